namespace Workbook.LoadTesting;

/// <summary>
/// One session of a session run: which client, from its login request to its last answer, the worker that answered
/// the login (by <see cref="SessionLoadTest.AttributeBy"/>; null without it), and whether a page came back 401 —
/// then <see cref="LostBy"/> is the worker that did not know it.
/// </summary>
public sealed record SessionTrace(int Client, TimeSpan Began, TimeSpan Ended, string? Worker, bool Lost, string? LostBy);
