namespace Workbook.Processes;

/// <summary>
/// A message already written as UTF-8 JSON: the channel sends its bytes as they are. The cluster's own messages use it,
/// so a worker's first message does not pay for setting up reflection-based serialization (about 200 methods to
/// compile at start-up, on the path to listening).
/// </summary>
internal sealed record EncodedMessage(byte[] Utf8Json);
