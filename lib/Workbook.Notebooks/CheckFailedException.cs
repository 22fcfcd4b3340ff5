namespace Workbook.Notebooks;

/// <summary>A chapter's check did not hold.</summary>
public sealed class CheckFailedException(string message) : Exception(message);
