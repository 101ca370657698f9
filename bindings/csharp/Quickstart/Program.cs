using System;
using System.Threading.Tasks;
using WebPubSub.Client;

namespace WebPubSub.Client.Quickstart
{
    /// <summary>
    /// The walk-through of the Web PubSub client quickstart: connect, handlers for connected,
    /// disconnected, stopped, server and group messages, join group1, send "hello world" as
    /// text, receive it, stop.
    ///
    /// Usage: Quickstart.exe [CLIENT_ACCESS_URL] (or WEBPUBSUB_CLIENT_ACCESS_URL); run.sh
    /// starts the local emulator and passes a URL from it when neither is given.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            string url = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("WEBPUBSUB_CLIENT_ACCESS_URL");
            if (string.IsNullOrEmpty(url))
            {
                Console.Error.WriteLine("usage: Quickstart.exe CLIENT_ACCESS_URL (or set WEBPUBSUB_CLIENT_ACCESS_URL)");
                return 2;
            }
            try
            {
                return RunAsync(url).GetAwaiter().GetResult();
            }
            finally
            {
                // Stops the library's threads before the process exits.
                WebPubSubRuntime.Shutdown(TimeSpan.FromSeconds(5));
            }
        }

        private static async Task<int> RunAsync(string url)
        {
            var received = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            const string groupName = "group1";

            using (var client = new WebPubSubClient(url))
            {
                // Handlers run on the client's dispatcher thread, in order.
                client.Connected += (s, e) => Console.WriteLine("Connection " + e.ConnectionId + " is connected");
                client.Disconnected += (s, e) => Console.WriteLine("Connection disconnected: " + e.DisconnectedMessage.Reason);
                client.Stopped += (s, e) =>
                {
                    Console.WriteLine("Client has stopped");
                    stopped.TrySetResult(true);
                };
                client.ServerMessageReceived += (s, e) => Console.WriteLine("Received message " + e.Message.Data);
                // Registered before joining the group, so that no message is missed.
                client.GroupMessageReceived += (s, e) =>
                {
                    Console.WriteLine("Received message from " + e.Message.Group + ": " + e.Message.Data);
                    received.TrySetResult(true);
                };

                await client.StartAsync();
                try
                {
                    await client.JoinGroupAsync(groupName);
                }
                catch (SendMessageFailedException e)
                {
                    // Retrying with the same ack id is idempotent: the service deduplicates.
                    await client.JoinGroupAsync(groupName, e.AckId);
                }
                await client.SendToGroupAsync(groupName, "hello world", WebPubSubDataType.Text);

                bool gotIt = await Task.WhenAny(received.Task, Task.Delay(TimeSpan.FromSeconds(10))) == received.Task;
                if (!gotIt)
                {
                    Console.Error.WriteLine("no message arrived within 10 s");
                }
                await client.StopAsync();
                await Task.WhenAny(stopped.Task, Task.Delay(TimeSpan.FromSeconds(5)));
                return gotIt ? 0 : 1;
            }
        }
    }
}
