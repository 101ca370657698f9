using System;

namespace WebPubSub.Client
{
    /// <summary>How retry delays grow.</summary>
    public enum WebPubSubRetryMode
    {
        /// <summary>Every delay is <see cref="WebPubSubRetryOptions.Delay"/>.</summary>
        Fixed = 0,
        /// <summary><see cref="WebPubSubRetryOptions.Delay"/>, doubled for each attempt, capped at <see cref="WebPubSubRetryOptions.MaxDelay"/>.</summary>
        Exponential = 1,
    }

    /// <summary>
    /// A retry policy (the role Azure.Core's <c>RetryOptions</c> plays in the official SDK, with
    /// the same property names). Message retries always reuse the operation's ack id, so a
    /// retry never publishes twice, and only transient failures are retried.
    /// </summary>
    public sealed class WebPubSubRetryOptions
    {
        internal WebPubSubRetryOptions(int maxRetries, TimeSpan delay, TimeSpan maxDelay)
        {
            MaxRetries = maxRetries;
            Delay = delay;
            MaxDelay = maxDelay;
            Mode = WebPubSubRetryMode.Exponential;
            Jitter = true;
        }

        /// <summary>Retries after the first attempt; -1 for unlimited (operations stay bounded by their timeout).</summary>
        public int MaxRetries { get; set; }

        /// <summary>The first delay.</summary>
        public TimeSpan Delay { get; set; }

        /// <summary>The longest delay.</summary>
        public TimeSpan MaxDelay { get; set; }

        /// <summary>Fixed or exponential.</summary>
        public WebPubSubRetryMode Mode { get; set; }

        /// <summary>Randomize each delay within 50-100 % (avoids reconnect storms).</summary>
        public bool Jitter { get; set; }
    }
}
