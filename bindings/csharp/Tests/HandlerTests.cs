using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client.Tests
{
    /// <summary>Event handlers: threads, order, removal, exceptions, and calls back into the client.</summary>
    internal static class HandlerTests
    {
        [Test]
        private static async Task HandlersRunInOrderOnOneThreadThatIsNotTheCallers()
        {
            const int count = 200;
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                var seen = new Inbox<Tuple<string, int, bool>>();
                probe.Client.GroupMessageReceived += (s, e) =>
                    seen.Add(Tuple.Create(e.Message.Data.ToString(), Thread.CurrentThread.ManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
                await probe.Client.JoinGroupAsync("g");
                int callerThread = Thread.CurrentThread.ManagedThreadId;
                var sends = Enumerable.Range(0, count).Select(i => probe.Client.SendToGroupAsync("g", i.ToString(), WebPubSubDataType.Text)).ToList();
                await Task.WhenAll(sends);
                int continuationThread = Thread.CurrentThread.ManagedThreadId;

                var got = await seen.WaitForCountAsync(count, "messages");
                Assert.Equal(string.Join(",", Enumerable.Range(0, count)), string.Join(",", got.Select(x => x.Item1)), "handler order");
                int dispatcher = got[0].Item2;
                Assert.True(got.All(x => x.Item2 == dispatcher), "one dispatcher thread for the client");
                Assert.True(got.All(x => !x.Item3), "the dispatcher is a library thread, not a thread-pool thread");
                Assert.True(dispatcher != callerThread, "handlers do not run on the caller's thread");
                Assert.True(continuationThread != dispatcher, "awaiting code resumes off the dispatcher");
            }
        }

        [Test]
        private static async Task RemovingTheLastHandlerReleasesItsListenerExactlyOnce()
        {
            string hub = Emulator.NewHub();
            await Handles.QuiesceAsync();
            long registeredBefore = HandleCounters.ListenersRegistered;
            long releasedBefore = HandleCounters.ListenersReleased;
            var client = new WebPubSubClient(await Emulator.UrlAsync(hub));
            var first = new Inbox<string>();
            var second = new Inbox<string>();
            var markers = new Inbox<string>();
            EventHandler<WebPubSubGroupMessageEventArgs> h1 = (s, e) => first.Add(e.Message.Data.ToString());
            EventHandler<WebPubSubGroupMessageEventArgs> h2 = (s, e) => second.Add(e.Message.Data.ToString());
            client.GroupMessageReceived += h1;
            client.GroupMessageReceived += h2;
            client.ServerMessageReceived += (s, e) => markers.Add(e.Message.Data.ToString());
            Assert.Equal(registeredBefore + 2, HandleCounters.ListenersRegistered, "one native listener per event kind, not per handler");

            await client.StartAsync();
            await client.JoinGroupAsync("g");
            await client.SendToGroupAsync("g", "both", WebPubSubDataType.Text);
            await second.WaitForCountAsync(1, "the message at the second handler");

            client.GroupMessageReceived -= h1;
            Assert.Equal(releasedBefore, HandleCounters.ListenersReleased, "the kind still has a handler: the listener stays");
            client.GroupMessageReceived -= h2;
            await Assert.EventuallyAsync(() => HandleCounters.ListenersReleased == releasedBefore + 1, "the group listener is released");

            await client.SendToGroupAsync("g", "nobody", WebPubSubDataType.Text);
            await Emulator.ServerMessageAsync(hub, await Emulator.ConnectionIdAsync(hub), "text/plain", Encoding.UTF8.GetBytes("marker"));
            await markers.WaitForCountAsync(1, "the marker sent after the group message");
            Assert.Equal("both", string.Join(",", first.Snapshot()), "removed handler 1 saw nothing more");
            Assert.Equal("both", string.Join(",", second.Snapshot()), "removed handler 2 saw nothing more");

            client.Dispose();
            await Assert.EventuallyAsync(() => HandleCounters.ListenersReleased == releasedBefore + 2, "the server-message listener is released by dispose");
            await Task.Delay(200);
            Assert.Equal(releasedBefore + 2, HandleCounters.ListenersReleased, "no listener is released twice");
            Assert.Equal(HandleCounters.ListenersRegistered - registeredBefore, HandleCounters.ListenersReleased - releasedBefore, "every registered listener released");
        }

        [Test]
        private static async Task AThrowingHandlerIsContainedAndReported()
        {
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                var reported = new Inbox<WebPubSubCallbackExceptionEventArgs>();
                var after = new Inbox<string>();
                probe.Client.UnhandledCallbackException += (s, e) => reported.Add(e);
                probe.Client.GroupMessageReceived += (s, e) => { throw new InvalidOperationException("boom " + e.Message.Data); };
                probe.Client.GroupMessageReceived += (s, e) => after.Add(e.Message.Data.ToString());
                await probe.Client.JoinGroupAsync("g");
                for (int i = 0; i < 3; i++)
                {
                    await probe.Client.SendToGroupAsync("g", i.ToString(), WebPubSubDataType.Text);
                }
                await after.WaitForCountAsync(3, "messages at the handler after the throwing one");
                var errors = await reported.WaitForCountAsync(3, "reported exceptions");
                Assert.True(errors.All(e => e.EventName == "GroupMessageReceived"), "the event is named");
                Assert.Equal("boom 0", errors[0].Exception.Message, "the handler's exception");
                Assert.Equal(WebPubSubClientState.Connected, probe.Client.State, "the client is unaffected");
            }
        }

        [Test]
        private static async Task HandlersMayCallAsyncOperationsAndStop()
        {
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                WebPubSubClient client = probe.Client;
                var replies = new TaskCompletionSource<WebPubSubResult>();
                var stopped = new TaskCompletionSource<bool>();
                client.GroupMessageReceived += (s, e) =>
                {
                    string text = e.Message.Data.ToString();
                    if (text == "ping")
                    {
                        // Not awaited here: the handler returns, and the ack is delivered afterwards.
                        client.SendToGroupAsync("g", "pong", WebPubSubDataType.Text).ContinueWith(t =>
                        {
                            if (t.IsFaulted) replies.TrySetException(t.Exception.InnerException); else replies.TrySetResult(t.Result);
                        });
                    }
                    else if (text == "pong")
                    {
                        client.StopAsync().ContinueWith(t => stopped.TrySetResult(!t.IsFaulted));
                    }
                };
                await client.JoinGroupAsync("g");
                await client.SendToGroupAsync("g", "ping", WebPubSubDataType.Text);
                WebPubSubResult reply = await Assert.CompletesAsync(replies.Task, "the send issued from a handler");
                Assert.True(reply.AckId.HasValue, "the reply was acknowledged");
                Assert.True(await Assert.CompletesAsync(stopped.Task, "the stop issued from a handler"), "stop succeeded");
                await probe.Stopped.WaitForCountAsync(1, "stopped");
                Assert.Equal("ping,pong", string.Join(",", probe.GroupTexts()), "messages");
            }
        }

        [Test]
        private static async Task AStoppedHandlerMayStartTheClientAgain()
        {
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                int restarts = 0;
                probe.Client.Stopped += (s, e) =>
                {
                    if (Interlocked.Increment(ref restarts) == 1)
                    {
                        probe.Client.StartAsync(); // the seed page's "restart in the stopped event"
                    }
                };
                await probe.Client.StopAsync();
                await probe.Connected.WaitForCountAsync(2, "connected again after the restart from the handler");
                await Assert.EventuallyAsync(() => probe.Client.State == WebPubSubClientState.Connected, "connected state");
            }
        }

        [Test]
        private static async Task AHandlerMayDisposeItsOwnClient()
        {
            string hub = Emulator.NewHub();
            await Handles.QuiesceAsync();
            long releasedBefore = HandleCounters.ListenersReleased;
            var client = new WebPubSubClient(await Emulator.UrlAsync(hub));
            var disposed = new TaskCompletionSource<bool>();
            client.GroupMessageReceived += (s, e) =>
            {
                client.Dispose();
                disposed.TrySetResult(true);
            };
            await client.StartAsync();
            await client.JoinGroupAsync("g");
            await client.SendToGroupAsync("g", "bye", WebPubSubDataType.Text);
            await Assert.CompletesAsync(disposed.Task, "the handler disposed the client");
            await Assert.EventuallyAsync(() => HandleCounters.ListenersReleased == releasedBefore + 1, "the listener released after its own invocation");
            await Assert.EventuallyAsync(() => Emulator.ConnectionsAsync(hub).Result.Count == 0, "the connection closed");
            Assert.Throws<ObjectDisposedException>(() => client.JoinGroupAsync("g"), "calls after dispose");
        }
    }
}
