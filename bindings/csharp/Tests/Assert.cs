using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace WebPubSub.Client.Tests
{
    /// <summary>A test failed its expectation.</summary>
    internal sealed class AssertionException : Exception
    {
        internal AssertionException(string message) : base(message)
        {
        }
    }

    /// <summary>The few assertions the tests need.</summary>
    internal static class Assert
    {
        internal static void True(bool condition, string message)
        {
            if (!condition)
            {
                throw new AssertionException(message);
            }
        }

        internal static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                throw new AssertionException(what + ": expected <" + expected + "> but was <" + actual + ">");
            }
        }

        internal static void SequenceEqual(byte[] expected, byte[] actual, string what)
        {
            Equal(Convert.ToBase64String(expected), Convert.ToBase64String(actual), what);
        }

        /// <summary>Awaits <paramref name="action"/> and returns what it threw, which must be a <typeparamref name="T"/>.</summary>
        internal static async Task<T> ThrowsAsync<T>(Func<Task> action, string what) where T : Exception
        {
            try
            {
                await action().ConfigureAwait(false);
            }
            catch (T expected)
            {
                return expected;
            }
            catch (Exception other)
            {
                throw new AssertionException(what + ": expected " + typeof(T).Name + " but got " + other.GetType().Name + ": " + other.Message);
            }
            throw new AssertionException(what + ": expected " + typeof(T).Name + " but nothing was thrown");
        }

        /// <summary>The synchronous form, for calls that must throw before returning a task.</summary>
        internal static T Throws<T>(Action action, string what) where T : Exception
        {
            try
            {
                action();
            }
            catch (T expected)
            {
                return expected;
            }
            catch (Exception other)
            {
                throw new AssertionException(what + ": expected " + typeof(T).Name + " but got " + other.GetType().Name + ": " + other.Message);
            }
            throw new AssertionException(what + ": expected " + typeof(T).Name + " but nothing was thrown");
        }

        /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="seconds"/>.</summary>
        internal static async Task EventuallyAsync(Func<bool> condition, string what, int seconds = 20)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new AssertionException("timed out waiting until " + what);
                }
                await Task.Delay(20).ConfigureAwait(false);
            }
        }

        /// <summary>Awaits <paramref name="task"/>, failing (not hanging) after <paramref name="seconds"/>.</summary>
        internal static async Task<T> CompletesAsync<T>(Task<T> task, string what, int seconds = 20)
        {
            if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))).ConfigureAwait(false) != task)
            {
                throw new AssertionException("timed out waiting for " + what);
            }
            return await task.ConfigureAwait(false);
        }

        internal static async Task CompletesAsync(Task task, string what, int seconds = 20)
        {
            if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))).ConfigureAwait(false) != task)
            {
                throw new AssertionException("timed out waiting for " + what);
            }
            await task.ConfigureAwait(false);
        }
    }
}
