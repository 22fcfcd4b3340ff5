namespace Workbook.LoadTesting;

/// <summary>The parts of a response a load run records.</summary>
internal readonly record struct HttpAnswer(int Status, string? Attribution, bool KeepAlive);
