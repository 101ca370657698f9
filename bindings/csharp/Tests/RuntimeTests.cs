using System;
using System.Linq;
using System.Threading.Tasks;

namespace WebPubSub.Client.Tests
{
    /// <summary>Process-wide functions: version and logs.</summary>
    internal static class RuntimeTests
    {
        [Test]
        private static Task TheLoadedLibraryIsTheVersionTheBindingWasWrittenFor()
        {
            Assert.Equal(WebPubSubRuntime.BindingVersion, WebPubSubRuntime.NativeVersion, "native library version");
            return Task.FromResult(0);
        }

        [Test]
        private static async Task LogRecordsReachTheHandlerWithoutTokens()
        {
            var records = new Inbox<string>();
            WebPubSubRuntime.SetLogHandler((level, target, message) => records.Add(level + " " + target + " " + message), WebPubSubLogLevel.Trace);
            try
            {
                string url = await Emulator.UrlAsync(Emulator.NewHub());
                string token = url.Substring(url.IndexOf("access_token=", StringComparison.Ordinal) + "access_token=".Length);
                using (var client = new WebPubSubClient(url))
                {
                    await client.StartAsync();
                    await records.WaitForAsync(r => r.StartsWith("Information ", StringComparison.Ordinal) && r.Contains("connected"), "the connected record");
                    await client.StopAsync();
                }
                Assert.True(records.Snapshot().All(r => !r.Contains(token)), "no record contains the access token");
                Assert.True(records.Snapshot().Any(r => r.StartsWith("Trace ", StringComparison.Ordinal) || r.StartsWith("Debug ", StringComparison.Ordinal)), "verbose records are forwarded at Trace");
            }
            finally
            {
                WebPubSubRuntime.SetLogHandler(null);
            }
        }
    }
}
