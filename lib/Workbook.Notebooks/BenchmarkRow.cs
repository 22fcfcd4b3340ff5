using System.Globalization;

namespace Workbook.Notebooks;

/// <summary>One measurement of a <see cref="BenchmarkTable"/>: its fields by column name.</summary>
public sealed class BenchmarkRow(IReadOnlyDictionary<string, string> fields)
{
    public string this[string column] => fields.TryGetValue(column, out var value) ? value
        : throw new KeyNotFoundException($"No column '{column}'; the columns are {string.Join(", ", fields.Keys)}.");

    /// <summary>A numeric column; NaN when the field is empty (not measured).</summary>
    public double Number(string column) =>
        this[column] is { Length: > 0 } text ? double.Parse(text, CultureInfo.InvariantCulture) : double.NaN;

    public string Scenario => this["scenario"];
    public string Server => this["server"];
}
