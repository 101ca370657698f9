using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client.Tests
{
    /// <summary>Ack ids, duplicates, service errors, timeouts, cancellation and size limits.</summary>
    internal static class OperationTests
    {
        [Test]
        private static async Task AckIdsAreUniqueAndARepeatedAckIdIsADuplicate()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub))
            {
                WebPubSubClient c = probe.Client;
                WebPubSubResult join = await c.JoinGroupAsync("g");
                WebPubSubResult first = await c.SendToGroupAsync("g", "one", WebPubSubDataType.Text);
                WebPubSubResult second = await c.SendToGroupAsync("g", "two", WebPubSubDataType.Text);
                Assert.True(join.AckId > 0 && first.AckId > join.AckId && second.AckId > first.AckId, "automatic ack ids increase");
                Assert.True(!first.IsDuplicated && !second.IsDuplicated, "fresh ack ids are not duplicates");

                WebPubSubResult chosen = await c.SendToGroupAsync("g", "three", WebPubSubDataType.Text, ackId: 1000000);
                Assert.Equal((long?)1000000, chosen.AckId, "a chosen ack id is used");
                Assert.True(!chosen.IsDuplicated, "first use of the chosen ack id");
                WebPubSubResult again = await c.SendToGroupAsync("g", "three", WebPubSubDataType.Text, ackId: 1000000);
                Assert.Equal((long?)1000000, again.AckId, "the repeated ack id");
                Assert.True(again.IsDuplicated, "a repeated ack id is reported as a duplicate");

                await c.SendToGroupAsync("g", "end", WebPubSubDataType.Text);
                await probe.GroupMessages.WaitForAsync(m => m.Data.ToString() == "end", "the last message");
                Assert.Equal("one,two,three,end", string.Join(",", probe.GroupTexts()), "the duplicate was published once");
            }
        }

        [Test]
        private static async Task FireAndForgetSendsHaveNoAckIdAndStillArrive()
        {
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                await probe.Client.JoinGroupAsync("g");
                WebPubSubResult result = await probe.Client.SendToGroupAsync("g", "fast", WebPubSubDataType.Text, fireAndForget: true);
                Assert.Equal((long?)null, result.AckId, "ack id");
                await probe.GroupMessages.WaitForAsync(m => m.Data.ToString() == "fast", "the message");
            }
        }

        [Test]
        private static async Task JoiningWithoutPermissionIsForbidden()
        {
            string hub = Emulator.NewHub();
            using (var client = new WebPubSubClient(await Emulator.UrlAsync(hub, "nobody", new string[0])))
            {
                await client.StartAsync();
                SendMessageFailedException e = await Assert.ThrowsAsync<SendMessageFailedException>(() => client.JoinGroupAsync("private"), "join");
                Assert.Equal(typeof(SendMessageFailedException), e.GetType(), "a service refusal is the base exception");
                Assert.Equal("Forbidden", e.ErrorName, "error name");
                Assert.Equal(WebPubSubErrorCode.ServiceError, e.ErrorCode, "error code");
                Assert.True(e.AckId.HasValue && e.AckId > 0, "the failed operation's ack id is reported");
                SendMessageFailedException send = await Assert.ThrowsAsync<SendMessageFailedException>(
                    () => client.SendToGroupAsync("private", "x", WebPubSubDataType.Text), "send");
                Assert.Equal("Forbidden", send.ErrorName, "send error name");
            }
        }

        [Test]
        private static async Task AnUnansweredOperationTimesOutWithItsAckId()
        {
            string hub = Emulator.NewHub();
            await Handles.QuiesceAsync();
            long pendingBefore = HandleCounters.OperationsPending;
            var options = new WebPubSubClientOptions { OperationTimeout = TimeSpan.FromMilliseconds(700) };
            using (Probe probe = await Probe.StartAsync(hub, "user1", options))
            {
                await probe.Client.JoinGroupAsync("g");
                await Emulator.BlackholeAsync(await Emulator.ConnectionIdAsync(hub));
                OperationTimeoutException e = await Assert.ThrowsAsync<OperationTimeoutException>(
                    () => probe.Client.SendToGroupAsync("g", "lost", WebPubSubDataType.Text), "send to a black hole");
                Assert.True(e.AckId.HasValue, "the timed-out operation's ack id, for an idempotent retry");
                Assert.Equal(WebPubSubErrorCode.Timeout, e.ErrorCode, "error code");
                Assert.Equal(pendingBefore, HandleCounters.OperationsPending, "the completion released its handle");
            }
        }

        [Test]
        private static async Task CancellingAPendingOperationCompletesItAsCancelled()
        {
            string hub = Emulator.NewHub();
            await Handles.QuiesceAsync();
            long pendingBefore = HandleCounters.OperationsPending;
            var options = new WebPubSubClientOptions { OperationTimeout = TimeSpan.FromSeconds(4) };
            using (Probe probe = await Probe.StartAsync(hub, "user1", options))
            {
                await probe.Client.JoinGroupAsync("g");
                await Emulator.BlackholeAsync(await Emulator.ConnectionIdAsync(hub));
                var cts = new CancellationTokenSource();
                Task<WebPubSubResult> send = probe.Client.SendToGroupAsync("g", "lost", WebPubSubDataType.Text, cancellationToken: cts.Token);
                Assert.Equal(pendingBefore + 1, HandleCounters.OperationsPending, "one native operation pending");
                cts.Cancel();
                await Assert.ThrowsAsync<OperationCanceledException>(() => send, "the cancelled send");
                Assert.True(send.IsCanceled, "the task is cancelled, not faulted");
                Assert.Equal(pendingBefore + 1, HandleCounters.OperationsPending, "the native operation still runs after cancellation");
                // Its completion (the timeout) still fires exactly once and is discarded.
                await Assert.EventuallyAsync(() => HandleCounters.OperationsPending == pendingBefore, "the native completion released its handle");
                Assert.Equal(pendingBefore, HandleCounters.OperationsPending, "released exactly once");
            }
        }

        [Test]
        private static async Task AnAlreadyCancelledTokenSendsNothing()
        {
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                await probe.Client.JoinGroupAsync("g");
                var cancelled = new CancellationToken(true);
                Task<WebPubSubResult> send = probe.Client.SendToGroupAsync("g", "never", WebPubSubDataType.Text, cancellationToken: cancelled);
                Assert.True(send.IsCanceled, "cancelled at once");
                await probe.Client.SendToGroupAsync("g", "marker", WebPubSubDataType.Text);
                await probe.GroupMessages.WaitForAsync(m => m.Data.ToString() == "marker", "the marker");
                Assert.Equal("marker", string.Join(",", probe.GroupTexts()), "the cancelled message was never sent");
            }
        }

        [Test]
        private static async Task AMessageOverTheServiceLimitIsRefusedLocally()
        {
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                await probe.Client.JoinGroupAsync("g");
                var big = new byte[1100 * 1024];
                MessageTooLargeException e = await Assert.ThrowsAsync<MessageTooLargeException>(
                    () => probe.Client.SendToGroupAsync("g", big, WebPubSubDataType.Binary), "a 1.1 MB message");
                Assert.Equal(WebPubSubErrorCode.MessageTooLarge, e.ErrorCode, "error code");
                await Assert.CompletesAsync(probe.Client.SendToGroupAsync("g", "small", WebPubSubDataType.Text), "the client is still usable");
            }
        }

        [Test]
        private static async Task StoppingFailsPendingOperationsWithClientStopped()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub))
            {
                await probe.Client.JoinGroupAsync("g");
                await Emulator.BlackholeAsync(await Emulator.ConnectionIdAsync(hub));
                Task<WebPubSubResult> pending = probe.Client.SendToGroupAsync("g", "stuck", WebPubSubDataType.Text);
                await probe.Client.StopAsync();
                ClientStoppedException e = await Assert.ThrowsAsync<ClientStoppedException>(() => pending, "the pending send");
                Assert.True(e.AckId.HasValue, "its ack id");
                Assert.True(e is SendMessageFailedException, "a stop is an operation failure to catch blocks written for the official SDK");
            }
        }
    }
}
