using System.Globalization;

namespace Workbook.Notebooks;

/// <summary>One measurement of a <see cref="BenchmarkTable"/>: its fields by column name.</summary>
public sealed class BenchmarkRow(IReadOnlyDictionary<string, string> fields)
{
    /// <summary>A field as written, e.g. <c>row["date"]</c>.</summary>
    /// <exception cref="KeyNotFoundException">The table has no such column (the message lists the columns).</exception>
    public string this[string column] => fields.TryGetValue(column, out var value) ? value
        : throw new KeyNotFoundException($"No column '{column}'; the columns are {string.Join(", ", fields.Keys)}.");

    /// <summary>A numeric column; NaN when the field is empty (not measured).</summary>
    /// <exception cref="FormatException">The field is not a number (the message names the column and the value).</exception>
    public double Number(string column) => this[column] switch
    {
        { Length: 0 } => double.NaN,
        var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
        var text => throw new FormatException($"Column '{column}' holds '{text}', not a number."),
    };

    /// <summary>What was measured, e.g. <c>hello-world, keep-alive (wrk -t2 -c50)</c>.</summary>
    public string Scenario => this["scenario"];

    /// <summary>Which server (or tool) it was measured on, e.g. <c>cluster of 2, round-robin</c>.</summary>
    public string Server => this["server"];
}
