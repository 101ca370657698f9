using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WebPubSub.Client.Tests
{
    /// <summary>One connection as the emulator's control surface lists it.</summary>
    [DataContract]
    internal sealed class ConnectionInfo
    {
        [DataMember(Name = "connectionId")] public string ConnectionId;
        [DataMember(Name = "userId")] public string UserId;
        [DataMember(Name = "groups")] public string[] Groups;
        [DataMember(Name = "attached")] public bool Attached;
    }

    /// <summary>A client event the emulator recorded (text payloads only, which is all the tests send).</summary>
    [DataContract]
    internal sealed class RecordedEvent
    {
        [DataMember(Name = "event")] public string Event;
        [DataMember(Name = "data")] public string Data;
    }

    [DataContract]
    internal sealed class AccessUrl
    {
        [DataMember(Name = "url")] public string Url;
    }

    /// <summary>
    /// The emulator's HTTP control surface (<c>/_emulator/...</c>): mints client access URLs
    /// and injects faults and messages. Each test uses a hub of its own, so tests never see
    /// each other's connections, groups or events.
    /// </summary>
    internal static class Emulator
    {
        internal static readonly string[] AllRoles = { "webpubsub.joinLeaveGroup", "webpubsub.sendToGroup" };
        private static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        private static string _control;
        private static int _hubs;

        internal static void Initialize(string endpoint)
        {
            _control = endpoint.TrimEnd('/') + "/_emulator";
        }

        /// <summary>A hub name no other test uses.</summary>
        internal static string NewHub()
        {
            return "cs" + Interlocked.Increment(ref _hubs) + "_" + Guid.NewGuid().ToString("N").Substring(0, 6);
        }

        /// <summary>A client access URL for <paramref name="hub"/> with the given roles (all group roles when null).</summary>
        internal static async Task<string> UrlAsync(string hub, string userId = "user1", string[] roles = null)
        {
            var query = new StringBuilder("/client-access-url?hub=" + Uri.EscapeDataString(hub));
            if (userId != null)
            {
                query.Append("&userId=").Append(Uri.EscapeDataString(userId));
            }
            foreach (string role in roles ?? AllRoles)
            {
                query.Append("&role=").Append(Uri.EscapeDataString(role));
            }
            return Parse<AccessUrl>(await GetAsync(query.ToString()).ConfigureAwait(false)).Url;
        }

        internal static async Task<List<ConnectionInfo>> ConnectionsAsync(string hub)
        {
            return Parse<List<ConnectionInfo>>(await GetAsync("/connections?hub=" + Uri.EscapeDataString(hub)).ConfigureAwait(false));
        }

        /// <summary>The id of the only connection of <paramref name="hub"/> (or of <paramref name="userId"/> there).</summary>
        internal static async Task<string> ConnectionIdAsync(string hub, string userId = null)
        {
            List<ConnectionInfo> all = await ConnectionsAsync(hub).ConfigureAwait(false);
            List<ConnectionInfo> matching = all.Where(c => userId == null || c.UserId == userId).ToList();
            Assert.Equal(1, matching.Count, "connections of " + (userId ?? "the hub"));
            return matching[0].ConnectionId;
        }

        /// <summary>
        /// Drops the connection abruptly (TCP reset; the client must recover it) as soon as it
        /// has a live socket (not while it is recovering, when there is nothing to drop).
        /// </summary>
        internal static async Task DropWhenAttachedAsync(string hub, string connectionId)
        {
            for (int attempt = 0; ; attempt++)
            {
                await Assert.EventuallyAsync(
                    () => ConnectionsAsync(hub).Result.Any(c => c.ConnectionId == connectionId && c.Attached),
                    connectionId + " has a live socket to drop", 30).ConfigureAwait(false);
                try
                {
                    await PostAsync("/connections/" + Uri.EscapeDataString(connectionId) + "/drop", null, null).ConfigureAwait(false);
                    return;
                }
                catch (InvalidOperationException) when (attempt < 10)
                {
                    // It detached between the two requests: wait for the recovery and retry.
                }
            }
        }

        internal static Task CloseAsync(string connectionId, int code)
        {
            return PostAsync("/connections/" + Uri.EscapeDataString(connectionId) + "/close?code=" + code, null, null);
        }

        /// <summary>Stops all traffic to and from the connection while keeping its socket open.</summary>
        internal static Task BlackholeAsync(string connectionId)
        {
            return PostAsync("/connections/" + Uri.EscapeDataString(connectionId) + "/blackhole", null, null);
        }

        internal static Task ServerMessageAsync(string hub, string connectionId, string contentType, byte[] body)
        {
            return PostAsync("/hubs/" + Uri.EscapeDataString(hub) + "/server-message?connectionId=" + Uri.EscapeDataString(connectionId), contentType, body);
        }

        internal static Task GroupMessageAsync(string hub, string group, string text)
        {
            return PostAsync("/hubs/" + Uri.EscapeDataString(hub) + "/groups/" + Uri.EscapeDataString(group) + "/message", "text/plain", Encoding.UTF8.GetBytes(text));
        }

        internal static async Task<List<RecordedEvent>> EventsAsync(string hub)
        {
            return Parse<List<RecordedEvent>>(await GetAsync("/events?hub=" + Uri.EscapeDataString(hub)).ConfigureAwait(false));
        }

        private static async Task<string> GetAsync(string path)
        {
            using (HttpResponseMessage response = await Http.GetAsync(_control + path).ConfigureAwait(false))
            {
                return await ReadAsync(response, "GET " + path).ConfigureAwait(false);
            }
        }

        private static async Task PostAsync(string path, string contentType, byte[] body)
        {
            var content = new ByteArrayContent(body ?? new byte[0]);
            if (contentType != null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
            using (HttpResponseMessage response = await Http.PostAsync(_control + path, content).ConfigureAwait(false))
            {
                await ReadAsync(response, "POST " + path).ConfigureAwait(false);
            }
        }

        private static async Task<string> ReadAsync(HttpResponseMessage response, string request)
        {
            string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(request + " answered " + (int)response.StatusCode + ": " + text);
            }
            return text;
        }

        private static T Parse<T>(string json)
        {
            using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(json)))
            {
                return (T)new DataContractJsonSerializer(typeof(T)).ReadObject(stream);
            }
        }
    }
}
