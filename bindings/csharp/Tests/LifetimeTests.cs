using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client.Tests
{
    /// <summary>Dispose, finalization, the garbage collector, and many clients.</summary>
    internal static class LifetimeTests
    {
        [Test]
        private static async Task DisposeIsIdempotentAndLaterCallsThrowObjectDisposed()
        {
            var client = new WebPubSubClient(await Emulator.UrlAsync(Emulator.NewHub()));
            await client.StartAsync();
            client.Dispose();
            client.Dispose();
            Assert.Throws<ObjectDisposedException>(() => client.JoinGroupAsync("g"), "join");
            Assert.Throws<ObjectDisposedException>(() => client.StartAsync(), "start");
            Assert.Throws<ObjectDisposedException>(() => { var unused = client.State; }, "state");
            client.Connected += (s, e) => { }; // attaching to a disposed client is harmless
            await client.DisposeAsync();
        }

        [Test]
        private static async Task DisposeFailsPendingOperationsWithClientStopped()
        {
            string hub = Emulator.NewHub();
            var client = new WebPubSubClient(await Emulator.UrlAsync(hub));
            await client.StartAsync();
            await client.JoinGroupAsync("g");
            await Emulator.BlackholeAsync(await Emulator.ConnectionIdAsync(hub));
            Task<WebPubSubResult> pending = client.SendToGroupAsync("g", "stuck", WebPubSubDataType.Text);
            client.Dispose();
            await Assert.ThrowsAsync<ClientStoppedException>(() => pending, "the pending send");
        }

        [Test]
        private static async Task DisposeAsyncStopsBeforeReleasing()
        {
            var probe = await Probe.StartAsync(Emulator.NewHub());
            await probe.Client.DisposeAsync();
            Assert.Equal(1, probe.Stopped.Count, "the Stopped handler ran before DisposeAsync completed");
            Assert.Equal(1, probe.Disconnected.Count, "disconnected");
        }

        /// <summary>
        /// Forced collections and finalizers in a loop while handlers are attached, detached
        /// and firing: nothing the library calls may be collected or moved under it.
        /// </summary>
        [Test]
        private static async Task GarbageCollectionWhileHandlersFireLosesNothing()
        {
            const int count = 300;
            string hub = Emulator.NewHub();
            using (Probe receiver = await Probe.StartAsync(hub, "receiver"))
            using (Probe sender = await Probe.StartAsync(hub, "sender"))
            {
                await receiver.Client.JoinGroupAsync("g");
                var stop = new CancellationTokenSource();
                Task collector = Task.Run(() =>
                {
                    int churn = 0;
                    while (!stop.IsCancellationRequested)
                    {
                        // Attach and detach a handler of another kind so listeners come and go
                        // (and their handles are released) while collections run.
                        EventHandler<WebPubSubServerMessageEventArgs> transient = (s, e) => { };
                        receiver.Client.ServerMessageReceived += transient;
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                        receiver.Client.ServerMessageReceived -= transient;
                        churn++;
                    }
                    return churn;
                });
                for (int i = 0; i < count; i++)
                {
                    await sender.Client.SendToGroupAsync("g", i.ToString(), WebPubSubDataType.Text, fireAndForget: i % 2 == 0);
                }
                await receiver.GroupMessages.WaitForCountAsync(count, "messages", 60);
                stop.Cancel();
                await collector;
                Assert.Equal(string.Join(",", Enumerable.Range(0, count)), string.Join(",", receiver.GroupTexts()), "every message, in order");
            }
        }

        /// <summary>
        /// Clients dropped without Dispose, with handlers attached (some capturing their own
        /// client), are finalized: their connections close and every listener handle is released.
        /// </summary>
        [Test]
        private static async Task UndisposedClientsAreFinalizedSafely()
        {
            const int clients = 10;
            string hub = Emulator.NewHub();
            string url = await Emulator.UrlAsync(hub);
            await Handles.QuiesceAsync();
            long registeredBefore = HandleCounters.ListenersRegistered;
            long releasedBefore = HandleCounters.ListenersReleased;
            // Created on a thread that then exits, so no stack slot (Mono scans stacks
            // conservatively) keeps a client reachable.
            var creator = new Thread(() => StartAndAbandon(url, clients));
            creator.Start();
            creator.Join();
            await Assert.EventuallyAsync(() => Emulator.ConnectionsAsync(hub).Result.Count == clients, "all abandoned clients connected");
            long registered = HandleCounters.ListenersRegistered - registeredBefore;
            Assert.Equal((long)clients * 3, registered, "listeners registered");

            await Assert.EventuallyAsync(() =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                return HandleCounters.ListenersReleased - releasedBefore == registered;
            }, "every listener of the finalized clients released", 60);
            await Assert.EventuallyAsync(() => Emulator.ConnectionsAsync(hub).Result.Count == 0, "their connections closed", 30);
        }

        private static void StartAndAbandon(string url, int count)
        {
            for (int i = 0; i < count; i++)
            {
                var client = new WebPubSubClient(url);
                client.Connected += (s, e) => { };
                client.GroupMessageReceived += (s, e) => client.SendToGroupAsync("unused", "x", WebPubSubDataType.Text);
                client.Stopped += (s, e) => { };
                client.StartAsync().Wait();
            }
        }

        [Test]
        private static async Task TwoHundredClientsShareTheDispatcherPool()
        {
            const int count = 200;
            string hub = Emulator.NewHub();
            string url = await Emulator.UrlAsync(hub);
            var options = new WebPubSubClientOptions { Dispatcher = WebPubSubDispatcherMode.Shared };
            var received = new Inbox<int>();
            var clients = new List<WebPubSubClient>();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var client = new WebPubSubClient(url, options);
                    client.GroupMessageReceived += (s, e) => received.Add(Thread.CurrentThread.ManagedThreadId);
                    clients.Add(client);
                }
                await Assert.CompletesAsync(Task.WhenAll(clients.Select(c => c.StartAsync())), "every client started", 60);
                await Assert.CompletesAsync(Task.WhenAll(clients.Select(c => c.JoinGroupAsync("all"))), "every client joined", 60);
                await clients[0].SendToGroupAsync("all", "broadcast", WebPubSubDataType.Text);
                List<int> threads = await received.WaitForCountAsync(count, "deliveries", 60);
                int distinct = threads.Distinct().Count();
                Assert.True(distinct * 10 <= count, "a small pool serves the clients (" + distinct + " threads for " + count + " clients)");
            }
            finally
            {
                await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
            }
            await Assert.EventuallyAsync(() => Emulator.ConnectionsAsync(hub).Result.Count == 0, "every connection closed");
        }

        [Test]
        private static async Task ASlowHandlerIsReportedAndLosesNothing()
        {
            // Enough to overflow the queue even with the core's read batches (see the report on
            // EventQueueCapacity), below the emulator's 1000 unacknowledged messages.
            const int count = 800;
            string hub = Emulator.NewHub();
            var options = new WebPubSubClientOptions { EventQueueCapacity = 4 };
            using (var client = new WebPubSubClient(await Emulator.UrlAsync(hub, "slow"), options))
            using (Probe sender = await Probe.StartAsync(hub, "sender"))
            {
                var texts = new Inbox<string>();
                var slow = new Inbox<long>();
                client.SlowConsumer += (s, e) => slow.Add(e.QueuedEvents);
                client.GroupMessageReceived += (s, e) =>
                {
                    if (texts.Count < 3)
                    {
                        Thread.Sleep(300); // a handler that falls behind at first
                    }
                    texts.Add(e.Message.Data.ToString());
                };
                await client.StartAsync();
                await client.JoinGroupAsync("g");
                await Task.WhenAll(Enumerable.Range(0, count).Select(i => sender.Client.SendToGroupAsync("g", i.ToString(), WebPubSubDataType.Text, fireAndForget: true)));
                await texts.WaitForCountAsync(count, "messages", 60);
                Assert.True(slow.Count >= 1, "the slow consumer was reported");
                Assert.Equal(string.Join(",", Enumerable.Range(0, count)), string.Join(",", texts.Snapshot()), "every message, in order");
            }
        }
    }
}
