using System.Text;
using System.Threading.Tasks;

namespace WebPubSub.Client.Tests
{
    /// <summary>Inputs at the edges: operations right after a start that is not awaited,
    /// deeply nested JSON, http:// client access URLs, group names of many characters.</summary>
    internal static class EdgeTests
    {
        [Test]
        private static async Task OperationsRightAfterAnUnawaitedStartWaitForTheConnection()
        {
            string hub = Emulator.NewHub();
            for (int round = 0; round < 20; round++)
            {
                using (var client = new WebPubSubClient(await Emulator.UrlAsync(hub)))
                {
                    Task started = client.StartAsync();
                    Assert.True(client.State != WebPubSubClientState.Stopped, "round " + round + ": not stopped right after StartAsync");
                    Task<WebPubSubResult> joined = client.JoinGroupAsync("g");
                    Task<WebPubSubResult> sent = client.SendToGroupAsync("g", MessageData.FromString("x"), WebPubSubDataType.Text);
                    await Assert.CompletesAsync(joined, "round " + round + ": join");
                    await Assert.CompletesAsync(sent, "round " + round + ": send");
                    await Assert.CompletesAsync(started, "round " + round + ": start");
                    await client.StopAsync();
                }
            }
        }

        [Test]
        private static async Task DeeplyNestedJsonIsDeliveredAsItsText()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub))
            {
                string deep = new string('[', 100000) + new string(']', 100000);
                await Emulator.ServerMessageAsync(hub, await Emulator.ConnectionIdAsync(hub), "application/json", Encoding.UTF8.GetBytes(deep));
                ServerDataMessage message = (await probe.ServerMessages.WaitForCountAsync(1, "server messages"))[0];
                Assert.Equal(WebPubSubDataType.Json, message.DataType, "data type");
                Assert.True(message.Data.ToString() == deep, "the JSON text arrives whole");
            }
        }

        [Test]
        private static async Task AnHttpUrlConnectsAndLongNonAsciiGroupNamesWork()
        {
            string url = await Emulator.UrlAsync(Emulator.NewHub());
            Assert.True(url.StartsWith("ws://"), "the emulator hands out ws:// URLs");
            using (var client = new WebPubSubClient("http://" + url.Substring("ws://".Length)))
            {
                await Assert.CompletesAsync(client.StartAsync(), "start with an http:// URL");
                await Assert.CompletesAsync(client.JoinGroupAsync(new string('é', 600)), "join a 600-character group");
                await client.StopAsync();
            }
        }
    }
}
