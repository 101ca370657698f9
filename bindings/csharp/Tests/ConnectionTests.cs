using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WebPubSub.Client.Interop;

namespace WebPubSub.Client.Tests
{
    /// <summary>Start, stop, restart, credentials, protocols and argument checks.</summary>
    internal static class ConnectionTests
    {
        [Test]
        private static async Task StartRaisesConnectedWithTheServiceIds()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub, "alice"))
            {
                WebPubSubConnectedEventArgs connected = (await probe.Connected.WaitForCountAsync(1, "connected events"))[0];
                Assert.Equal(await Emulator.ConnectionIdAsync(hub), connected.ConnectionId, "connection id");
                Assert.Equal("alice", connected.UserId, "user id");
                Assert.Equal(WebPubSubClientState.Connected, probe.Client.State, "state");
                await probe.States.WaitForAsync(s => s.PreviousState == WebPubSubClientState.Connecting && s.CurrentState == WebPubSubClientState.Connected, "Connecting -> Connected");
                Assert.Equal(WebPubSubClientState.Stopped, probe.States.Snapshot()[0].PreviousState, "first state change starts from Stopped");
            }
        }

        [Test]
        private static async Task StopRaisesDisconnectedAndStoppedAndStartWorksAgain()
        {
            string hub = Emulator.NewHub();
            using (Probe probe = await Probe.StartAsync(hub))
            {
                await Assert.CompletesAsync(probe.Client.StopAsync(), "stop");
                await probe.Stopped.WaitForCountAsync(1, "stopped events");
                await probe.Disconnected.WaitForCountAsync(1, "disconnected events");
                Assert.Equal(WebPubSubClientState.Stopped, probe.Client.State, "state after stop");
                await Assert.CompletesAsync(probe.Client.StopAsync(), "a second stop (idempotent)");

                await Assert.ThrowsAsync<ClientStoppedException>(() => probe.Client.JoinGroupAsync("g"), "join on a stopped client");

                await Assert.CompletesAsync(probe.Client.StartAsync(), "restart");
                await probe.Connected.WaitForCountAsync(2, "connected events");
                await Assert.CompletesAsync(probe.Client.JoinGroupAsync("g"), "join after restart");
            }
        }

        [Test]
        private static async Task StartingAStartedClientIsAnInvalidOperation()
        {
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                await Assert.ThrowsAsync<InvalidOperationException>(() => probe.Client.StartAsync(), "second start");
            }
        }

        [Test]
        private static async Task ARefusedTokenFailsStartWithTheHttpStatus()
        {
            string url = await Emulator.UrlAsync(Emulator.NewHub());
            string forged = url.Substring(0, url.IndexOf("access_token=", StringComparison.Ordinal)) + "access_token=not-a-token";
            using (var client = new WebPubSubClient(forged))
            {
                ConnectFailedException e = await Assert.ThrowsAsync<ConnectFailedException>(() => client.StartAsync(), "start with a bad token");
                Assert.Equal((int?)401, e.HttpStatus, "HTTP status");
                Assert.Equal(WebPubSubClientState.Stopped, client.State, "state after a failed start");
            }
        }

        [Test]
        private static async Task TheCredentialProviderIsCalledOnStartAndOnReconnect()
        {
            string hub = Emulator.NewHub();
            string url = await Emulator.UrlAsync(hub);
            int calls = 0;
            using (var probe = new Probe(new WebPubSubClient(() => { Interlocked.Increment(ref calls); return url; })))
            {
                await Assert.CompletesAsync(probe.Client.StartAsync(), "start");
                Assert.Equal(1, Volatile.Read(ref calls), "provider calls after start");
                string first = (await probe.Connected.WaitForCountAsync(1, "connected"))[0].ConnectionId;

                await Emulator.CloseAsync(first, 1008); // policy violation: not recoverable, a new connection follows
                var connected = await probe.Connected.WaitForCountAsync(2, "connected after the reconnect");
                Assert.True(connected[1].ConnectionId != first, "the reconnect opened a new connection");
                Assert.Equal(2, Volatile.Read(ref calls), "provider calls after the reconnect");
            }
        }

        [Test]
        private static async Task ACredentialProviderThatThrowsFailsStart()
        {
            using (var client = new WebPubSubClient(() => { throw new InvalidOperationException("token server down"); }))
            {
                CredentialFailedException e = await Assert.ThrowsAsync<CredentialFailedException>(() => client.StartAsync(), "start");
                Assert.True(e.Message.Contains("token server down"), "the provider's message is kept: " + e.Message);
            }
        }

        [Test]
        private static async Task TheJsonProtocolDeliversWithoutSequenceIds()
        {
            var options = new WebPubSubClientOptions { Protocol = new WebPubSubJsonProtocol() };
            using (Probe probe = await Probe.StartAsync(Emulator.NewHub(), "user1", options))
            {
                await probe.Client.JoinGroupAsync("g");
                await probe.Client.SendToGroupAsync("g", "plain", WebPubSubDataType.Text);
                GroupDataMessage message = (await probe.GroupMessages.WaitForCountAsync(1, "group messages"))[0];
                Assert.Equal("plain", message.Data.ToString(), "payload");
                Assert.Equal((long?)null, message.SequenceId, "sequence id on the non-reliable protocol");
            }
        }

        /// <summary>
        /// A start cancelled at once: either the start wins (connected) or the cancellation does,
        /// and then the client must end up stopped with no live connection, also when the
        /// attempt completes after the cancellation. Repeated to hit both outcomes.
        /// </summary>
        [Test]
        private static async Task CancellingStartLeavesTheClientStopped()
        {
            int cancelled = 0;
            for (int i = 0; i < 25; i++)
            {
                string hub = Emulator.NewHub();
                using (var client = new WebPubSubClient(await Emulator.UrlAsync(hub)))
                {
                    var cts = new CancellationTokenSource();
                    Task start = client.StartAsync(cts.Token);
                    cts.Cancel();
                    try
                    {
                        await start;
                    }
                    catch (OperationCanceledException)
                    {
                        cancelled++;
                    }
                    if (start.IsCanceled)
                    {
                        // Once the native start has completed (its handle is released), nothing
                        // can connect any more. The emulator may keep an abandoned reliable
                        // connection for recovery, but without a socket.
                        await Assert.EventuallyAsync(() => HandleCounters.OperationsPending == 0, "the native start completed");
                        await Assert.EventuallyAsync(
                            () => client.State == WebPubSubClientState.Stopped && Emulator.ConnectionsAsync(hub).Result.All(c => !c.Attached),
                            "the abandoned start leaves the client stopped without a live connection");
                    }
                    else
                    {
                        Assert.Equal(WebPubSubClientState.Connected, client.State, "a start that won the race is connected");
                    }
                }
            }
            Assert.True(cancelled > 0, "at least one cancellation won the race");
        }

        [Test]
        private static async Task InvalidArgumentsAreRejectedBeforeAnythingIsSent()
        {
            Assert.Throws<ArgumentException>(() => new WebPubSubClient("not a url"), "a malformed URL");
            Assert.Throws<ArgumentNullException>(() => new WebPubSubClient((string)null), "a null URL");
            var badRetry = new WebPubSubClientOptions();
            badRetry.MessageRetryOptions.Delay = TimeSpan.FromSeconds(10);
            badRetry.MessageRetryOptions.MaxDelay = TimeSpan.FromSeconds(1);
            ArgumentException retry = Assert.Throws<ArgumentException>(() => new WebPubSubClient("ws://127.0.0.1:1/client/hubs/h", badRetry), "MaxDelay < Delay");
            Assert.True(retry.Message.Contains("MessageRetryOptions"), "the message names the option: " + retry.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => new WebPubSubClient("ws://127.0.0.1:1/client/hubs/h", new WebPubSubClientOptions { EventQueueCapacity = 0 }), "a zero queue capacity");

            using (Probe probe = await Probe.StartAsync(Emulator.NewHub()))
            {
                WebPubSubClient c = probe.Client;
                Assert.Throws<ArgumentNullException>(() => c.JoinGroupAsync(null), "a null group");
                Assert.Throws<ArgumentException>(() => c.JoinGroupAsync(""), "an empty group");
                Assert.Throws<ArgumentOutOfRangeException>(() => c.JoinGroupAsync("g", 0), "ack id 0");
                Assert.Throws<ArgumentException>(() => c.SendToGroupAsync("g", "{not json", WebPubSubDataType.Json), "invalid JSON");
                Assert.Throws<ArgumentException>(() => c.SendToGroupAsync("g", "\ud800", WebPubSubDataType.Text), "a lone surrogate");
                Assert.Throws<ArgumentNullException>(() => c.SendEventAsync("e", (MessageData)null, WebPubSubDataType.Text), "null content");
            }
        }
    }
}
