using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using WebPubSub.Client;

namespace WebPubSub.Client.Tests
{
    /// <summary>Marks a test: a <c>static Task M()</c> that fails by throwing.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class TestAttribute : Attribute
    {
    }

    /// <summary>
    /// The console test runner (no test framework is available under Mono without NuGet).
    /// Runs every [Test] in declaration order, prints each name with PASS or FAIL, then
    /// exactly "N passed, M failed", and exits non-zero on any failure.
    ///
    /// Usage: WebPubSubClient.Tests.exe EMULATOR_ENDPOINT [name-filter]
    /// (or the endpoint in WEBPUBSUB_EMULATOR_ENDPOINT), e.g. http://127.0.0.1:PORT.
    /// </summary>
    internal static class Program
    {
        private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);

        private static int Main(string[] args)
        {
            string endpoint = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("WEBPUBSUB_EMULATOR_ENDPOINT");
            if (string.IsNullOrEmpty(endpoint))
            {
                Console.Error.WriteLine("usage: WebPubSubClient.Tests.exe EMULATOR_ENDPOINT [name-filter]");
                return 2;
            }
            string filter = args.Length > 1 ? args[1] : null;
            Emulator.Initialize(endpoint);
            Console.WriteLine("native library " + WebPubSubRuntime.NativeVersion + ", runtime " + RuntimeDescription());

            int passed = 0, failed = 0;
            foreach (MethodInfo test in DiscoverTests(filter))
            {
                string name = test.DeclaringType.Name + "." + test.Name;
                var watch = Stopwatch.StartNew();
                Exception failure = Run(test);
                if (failure == null)
                {
                    passed++;
                    Console.WriteLine("PASS " + name + " (" + watch.ElapsedMilliseconds + " ms)");
                }
                else
                {
                    failed++;
                    Console.WriteLine("FAIL " + name + " (" + watch.ElapsedMilliseconds + " ms): " + failure);
                }
            }
            bool clean = WebPubSubRuntime.Shutdown(TimeSpan.FromSeconds(10));
            if (!clean)
            {
                Console.WriteLine("FAIL shutdown: WebPubSubRuntime.Shutdown timed out");
                failed++;
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }

        private static IEnumerable<MethodInfo> DiscoverTests(string filter)
        {
            return typeof(Program).Assembly.GetTypes()
                .OrderBy(t => t.FullName, StringComparer.Ordinal)
                .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                    .Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                    .OrderBy(m => m.MetadataToken))
                .Where(m => filter == null || (m.DeclaringType.Name + "." + m.Name).IndexOf(filter, StringComparison.OrdinalIgnoreCase) >= 0);
        }

        private static Exception Run(MethodInfo test)
        {
            try
            {
                var task = (Task)test.Invoke(null, null);
                if (!task.Wait(TestTimeout))
                {
                    return new TimeoutException("the test did not finish within " + TestTimeout.TotalSeconds + " s");
                }
                return null;
            }
            catch (TargetInvocationException e)
            {
                return e.InnerException;
            }
            catch (AggregateException e)
            {
                return e.InnerExceptions.Count == 1 ? e.InnerExceptions[0] : e;
            }
        }

        private static string RuntimeDescription()
        {
            Type mono = Type.GetType("Mono.Runtime");
            if (mono != null)
            {
                MethodInfo display = mono.GetMethod("GetDisplayName", BindingFlags.NonPublic | BindingFlags.Static);
                return "Mono " + (display != null ? display.Invoke(null, null) : "");
            }
            return ".NET " + Environment.Version;
        }
    }
}
