using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace WebPubSub.Client.Tests
{
    /// <summary>Recovery without loss, reconnect, and rejoining groups.</summary>
    internal static class ReliabilityTests
    {
        /// <summary>
        /// A numbered stream from one client to another while both connections are dropped
        /// abruptly several times: every message arrives once, in order, every send succeeds,
        /// and the drops are recoveries (same connections), not reconnects.
        /// </summary>
        [Test]
        private static async Task AbruptDropsDuringAStreamLoseNothing()
        {
            const int count = 400;
            const int drops = 5;
            string hub = Emulator.NewHub();
            using (Probe receiver = await Probe.StartAsync(hub, "receiver"))
            using (Probe sender = await Probe.StartAsync(hub, "sender"))
            {
                await receiver.Client.JoinGroupAsync("stream");
                string receiverId = await Emulator.ConnectionIdAsync(hub, "receiver");
                string senderId = await Emulator.ConnectionIdAsync(hub, "sender");

                var sends = new List<Task<WebPubSubResult>>();
                int dropped = 0;
                for (int i = 0; i < count; i++)
                {
                    sends.Add(sender.Client.SendToGroupAsync("stream", i.ToString(), WebPubSubDataType.Text));
                    if (i > 0 && i % (count / (drops + 1)) == 0 && dropped < drops)
                    {
                        // Mid-stream, with sends in flight: alternately the receiver and the sender.
                        await Emulator.DropWhenAttachedAsync(hub, dropped % 2 == 0 ? receiverId : senderId);
                        dropped++;
                    }
                    if (sends.Count % 20 == 0)
                    {
                        await Task.WhenAll(sends.Skip(sends.Count - 20)); // at most a window of 20 in flight
                    }
                }
                Assert.Equal(drops, dropped, "drops injected");
                await Assert.CompletesAsync(Task.WhenAll(sends), "every send acknowledged", 60);

                await receiver.GroupMessages.WaitForCountAsync(count, "stream messages", 60);
                await Task.Delay(300); // a late duplicate would arrive now
                List<string> texts = receiver.GroupTexts();
                Assert.Equal(count, texts.Count, "messages received (a duplicate would make more)");
                for (int i = 0; i < count; i++)
                {
                    Assert.Equal(i.ToString(), texts[i], "message " + i + " in order");
                }
                Assert.True(receiver.Recovered.Count >= 1 && sender.Recovered.Count >= 1, "both clients recovered");
                Assert.Equal(receiver.Recovering.Count, receiver.Recovered.Count, "every recovery of the receiver finished");
                Assert.Equal(1, receiver.Connected.Count, "no new connection for the receiver");
                Assert.Equal(1, sender.Connected.Count, "no new connection for the sender");
                Assert.True(receiver.States.Snapshot().Any(s => s.CurrentState == WebPubSubClientState.Recovering), "the receiver went through Recovering");
            }
        }

        [Test]
        private static async Task AReconnectRejoinsTheJoinedGroups()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub))
            {
                await probe.Client.JoinGroupAsync("kept");
                string first = await Emulator.ConnectionIdAsync(hub);
                await Emulator.CloseAsync(first, 1008); // not recoverable: a new connection
                await probe.Connected.WaitForCountAsync(2, "connected after the reconnect");
                await probe.Disconnected.WaitForCountAsync(1, "disconnected for the lost connection");
                string second = null;
                await Assert.EventuallyAsync(() =>
                {
                    var connections = Emulator.ConnectionsAsync(hub).Result;
                    second = connections.Count == 1 ? connections[0].ConnectionId : null;
                    return second != null && second != first && connections[0].Groups.Contains("kept");
                }, "the new connection is in the group again");
                await Emulator.GroupMessageAsync(hub, "kept", "still here");
                await probe.GroupMessages.WaitForAsync(m => m.Data.ToString() == "still here", "a message to the rejoined group");
                Assert.Equal(0, probe.RejoinFailures.Count, "no rejoin failure");
            }
        }

        [Test]
        private static async Task AFailedRejoinIsReportedWithTheServiceError()
        {
            string hub = Emulator.NewHub();
            string allowed = await Emulator.UrlAsync(hub, "user1");
            string withoutRoles = await Emulator.UrlAsync(hub, "user1", new string[0]);
            int calls = 0;
            // The first URL may join; every later one (after the reconnect) may not.
            using (var probe = new Probe(new WebPubSubClient(() => Interlocked.Increment(ref calls) == 1 ? allowed : withoutRoles)))
            {
                await probe.Client.StartAsync();
                await probe.Client.JoinGroupAsync("vip");
                await Emulator.CloseAsync(await Emulator.ConnectionIdAsync(hub), 1008);
                WebPubSubRejoinGroupFailedEventArgs failure = (await probe.RejoinFailures.WaitForCountAsync(1, "rejoin failures"))[0];
                Assert.Equal("vip", failure.Group, "group");
                var error = failure.Exception as SendMessageFailedException;
                Assert.True(error != null, "the error is a SendMessageFailedException: " + failure.Exception);
                Assert.Equal("Forbidden", error.ErrorName, "error name");
                Assert.Equal(2, probe.Connected.Count, "connected twice");
            }
        }
    }
}
