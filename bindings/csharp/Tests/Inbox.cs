using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace WebPubSub.Client.Tests
{
    /// <summary>A thread-safe list that event handlers append to and tests wait on.</summary>
    internal sealed class Inbox<T>
    {
        private readonly List<T> _items = new List<T>();

        internal void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        internal int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        internal List<T> Snapshot()
        {
            lock (_items)
            {
                return _items.ToList();
            }
        }

        internal async Task<List<T>> WaitForCountAsync(int count, string what, int seconds = 20)
        {
            await Assert.EventuallyAsync(() => Count >= count, count + " " + what + " (have " + Count + ")", seconds).ConfigureAwait(false);
            return Snapshot();
        }

        internal async Task<T> WaitForAsync(Func<T, bool> predicate, string what, int seconds = 20)
        {
            T found = default(T);
            await Assert.EventuallyAsync(() =>
            {
                lock (_items)
                {
                    int i = _items.FindIndex(x => predicate(x));
                    if (i < 0)
                    {
                        return false;
                    }
                    found = _items[i];
                    return true;
                }
            }, what, seconds).ConfigureAwait(false);
            return found;
        }
    }

    /// <summary>A client whose every event is recorded, for tests to inspect.</summary>
    internal sealed class Probe : IDisposable
    {
        internal readonly Inbox<WebPubSubConnectedEventArgs> Connected = new Inbox<WebPubSubConnectedEventArgs>();
        internal readonly Inbox<WebPubSubDisconnectedEventArgs> Disconnected = new Inbox<WebPubSubDisconnectedEventArgs>();
        internal readonly Inbox<WebPubSubStoppedEventArgs> Stopped = new Inbox<WebPubSubStoppedEventArgs>();
        internal readonly Inbox<ServerDataMessage> ServerMessages = new Inbox<ServerDataMessage>();
        internal readonly Inbox<GroupDataMessage> GroupMessages = new Inbox<GroupDataMessage>();
        internal readonly Inbox<WebPubSubRejoinGroupFailedEventArgs> RejoinFailures = new Inbox<WebPubSubRejoinGroupFailedEventArgs>();
        internal readonly Inbox<WebPubSubStateChangedEventArgs> States = new Inbox<WebPubSubStateChangedEventArgs>();
        internal readonly Inbox<WebPubSubRecoveringEventArgs> Recovering = new Inbox<WebPubSubRecoveringEventArgs>();
        internal readonly Inbox<WebPubSubRecoveredEventArgs> Recovered = new Inbox<WebPubSubRecoveredEventArgs>();

        internal Probe(WebPubSubClient client)
        {
            Client = client;
            client.Connected += (s, e) => Connected.Add(e);
            client.Disconnected += (s, e) => Disconnected.Add(e);
            client.Stopped += (s, e) => Stopped.Add(e);
            client.ServerMessageReceived += (s, e) => ServerMessages.Add(e.Message);
            client.GroupMessageReceived += (s, e) => GroupMessages.Add(e.Message);
            client.RejoinGroupFailed += (s, e) => RejoinFailures.Add(e);
            client.StateChanged += (s, e) => States.Add(e);
            client.Recovering += (s, e) => Recovering.Add(e);
            client.Recovered += (s, e) => Recovered.Add(e);
        }

        internal WebPubSubClient Client { get; private set; }

        /// <summary>A started probe on <paramref name="hub"/> with all group roles.</summary>
        internal static async Task<Probe> StartAsync(string hub, string userId = "user1", WebPubSubClientOptions options = null)
        {
            var probe = new Probe(new WebPubSubClient(await Emulator.UrlAsync(hub, userId).ConfigureAwait(false), options));
            await Assert.CompletesAsync(probe.Client.StartAsync(), "start").ConfigureAwait(false);
            return probe;
        }

        /// <summary>The text of every group message received so far.</summary>
        internal List<string> GroupTexts()
        {
            return GroupMessages.Snapshot().Select(m => m.Data.ToString()).ToList();
        }

        public void Dispose()
        {
            Client.Dispose();
        }
    }
}
