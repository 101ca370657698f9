using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace WebPubSub.Client.Tests
{
    /// <summary>Groups, every data type, echo, server messages and events.</summary>
    internal static class MessagingTests
    {
        [Test]
        private static async Task EveryDataTypeRoundTripsThroughAGroup()
        {
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub(), "bob"))
            {
                WebPubSubClient client = probe.Client;
                await client.JoinGroupAsync("group1");
                byte[] binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
                byte[] protobuf = { 0x0a, 0x03, 0x61, 0x62, 0x63, 0x00, 0xff };
                await client.SendToGroupAsync("group1", "hello world", WebPubSubDataType.Text);
                await client.SendToGroupAsync("group1", "{\"n\":1,\"s\":\"\u00e9\u4e2d\"}", WebPubSubDataType.Json);
                await client.SendToGroupAsync("group1", binary, WebPubSubDataType.Binary);
                await client.SendToGroupAsync("group1", protobuf, WebPubSubDataType.Protobuf);
                await client.SendToGroupAsync("group1", "", WebPubSubDataType.Text);

                var got = await probe.GroupMessages.WaitForCountAsync(5, "group messages");
                Assert.Equal(WebPubSubDataType.Text, got[0].DataType, "text type");
                Assert.Equal("hello world", got[0].Data.ToString(), "text payload");
                Assert.Equal(WebPubSubDataType.Json, got[1].DataType, "json type");
                Assert.Equal("{\"n\":1,\"s\":\"\u00e9\u4e2d\"}", got[1].Data.ToString().Replace(" ", ""), "json payload");
                Assert.Equal(WebPubSubDataType.Binary, got[2].DataType, "binary type");
                Assert.SequenceEqual(binary, got[2].Data.ToArray(), "binary payload");
                Assert.Equal(WebPubSubDataType.Protobuf, got[3].DataType, "protobuf type");
                Assert.SequenceEqual(protobuf, got[3].Data.ToArray(), "protobuf payload");
                Assert.Equal(0, got[4].Data.Length, "empty text payload");
                foreach (GroupDataMessage m in got)
                {
                    Assert.Equal("group1", m.Group, "group");
                    Assert.Equal("bob", m.FromUserId, "publisher");
                    Assert.True(m.SequenceId.HasValue, "reliable messages carry sequence ids");
                }
                for (int i = 1; i < got.Count; i++)
                {
                    Assert.True(got[i].SequenceId > got[i - 1].SequenceId, "sequence ids increase");
                }
            }
        }

        [Test]
        private static async Task NoEchoMessagesSkipOnlyTheSender()
        {
            string hub = Emulator.NewHub();
            using (Probe sender = await Probe.StartAsync(hub, "sender"))
            using (Probe other = await Probe.StartAsync(hub, "other"))
            {
                await sender.Client.JoinGroupAsync("g");
                await other.Client.JoinGroupAsync("g");
                await sender.Client.SendToGroupAsync("g", "quiet", WebPubSubDataType.Text, noEcho: true);
                await sender.Client.SendToGroupAsync("g", "loud", WebPubSubDataType.Text);

                await other.GroupMessages.WaitForCountAsync(2, "messages at the other client");
                Assert.Equal("quiet,loud", string.Join(",", other.GroupTexts()), "the other client gets both");
                await sender.GroupMessages.WaitForAsync(m => m.Data.ToString() == "loud", "the echo of the second message");
                Assert.Equal("loud", string.Join(",", sender.GroupTexts()), "the sender gets only the echoed one");
            }
        }

        [Test]
        private static async Task LeavingAGroupStopsItsMessages()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub))
            {
                await probe.Client.JoinGroupAsync("g");
                await Emulator.GroupMessageAsync(hub, "g", "before");
                await probe.GroupMessages.WaitForCountAsync(1, "the message before leaving");
                await probe.Client.LeaveGroupAsync("g");
                await Emulator.GroupMessageAsync(hub, "g", "after");
                string id = await Emulator.ConnectionIdAsync(hub);
                await Emulator.ServerMessageAsync(hub, id, "text/plain", Encoding.UTF8.GetBytes("marker"));
                await probe.ServerMessages.WaitForCountAsync(1, "the marker sent after the group message");
                Assert.Equal("before", string.Join(",", probe.GroupTexts()), "group messages");
            }
        }

        [Test]
        private static async Task ServerMessagesArriveWithTheirType()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub))
            {
                string id = await Emulator.ConnectionIdAsync(hub);
                await Emulator.ServerMessageAsync(hub, id, "text/plain", Encoding.UTF8.GetBytes("from the server"));
                await Emulator.ServerMessageAsync(hub, id, "application/octet-stream", new byte[] { 1, 2, 3 });
                await Emulator.ServerMessageAsync(hub, id, "application/json", Encoding.UTF8.GetBytes("[1,2]"));
                var got = await probe.ServerMessages.WaitForCountAsync(3, "server messages");
                Assert.Equal(WebPubSubDataType.Text, got[0].DataType, "text type");
                Assert.Equal("from the server", got[0].Data.ToString(), "text");
                Assert.Equal(WebPubSubDataType.Binary, got[1].DataType, "binary type");
                Assert.SequenceEqual(new byte[] { 1, 2, 3 }, got[1].Data.ToArray(), "bytes");
                Assert.Equal(WebPubSubDataType.Json, got[2].DataType, "json type");
                Assert.Equal("[1,2]", got[2].Data.ToString(), "json");
                Assert.True(got.All(m => m.SequenceId.HasValue), "sequence ids");
            }
        }

        [Test]
        private static async Task EventsReachTheServer()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub))
            {
                WebPubSubResult acked = await probe.Client.SendEventAsync("chat", "hi there", WebPubSubDataType.Text);
                Assert.True(acked.AckId.HasValue, "an acked event has an ack id");
                WebPubSubResult fired = await probe.Client.SendEventAsync("chat", "fire and forget", WebPubSubDataType.Text, fireAndForget: true);
                Assert.Equal((long?)null, fired.AckId, "fire-and-forget has no ack id");
                await Assert.EventuallyAsync(() => Emulator.EventsAsync(hub).Result.Count == 2, "the emulator recorded both events");
                var events = await Emulator.EventsAsync(hub);
                Assert.Equal("chat|hi there,chat|fire and forget", string.Join(",", events.Select(e => e.Event + "|" + e.Data)), "recorded events");
            }
        }
    }
}
