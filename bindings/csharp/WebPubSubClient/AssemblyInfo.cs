using System.Runtime.CompilerServices;

// The test runner checks internal counters (GCHandles handed to and released by the library).
[assembly: InternalsVisibleTo("WebPubSubClient.Tests")]
