using System.Text.Json;
using System.Text.Json.Serialization;

// The messages this program sends on the fork channel, with source-generated serialization (web defaults: camelCase),
// so that it can be published as Native AOT (-p:PublishAot=true), where reflection-based JSON is not available.

/// <summary>Where a forked server or primary listens: {"url": …, "pid": …}.</summary>
sealed record Address(string Url, int Pid);

/// <summary>The primary's broadcast: {"usersCount": …}.</summary>
sealed record UsersCount([property: JsonPropertyName("usersCount")] long Count);

/// <summary>A worker's answer to {"ping": …}: {"pong": …, "worker": …, "pid": …}.</summary>
sealed record Pong([property: JsonPropertyName("pong")] JsonElement Ping, int? Worker, int Pid);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Address))]
[JsonSerializable(typeof(UsersCount))]
[JsonSerializable(typeof(Pong))]
partial class Messages : JsonSerializerContext;
