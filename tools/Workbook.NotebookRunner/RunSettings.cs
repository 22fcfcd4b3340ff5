using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbook.Tools;

namespace Workbook.NotebookRunner;

internal sealed class RunSettings : CommandSettings
{
    [CommandArgument(0, "[paths]")]
    [Description("Notebooks (.ipynb) or folders of them, run in name order (default: notebooks)")]
    public string[] Paths { get; init; } = [];

    [CommandOption("--out <DIR>")]
    [Description("Where the executed .ipynb and .html files go")]
    [DefaultValue("artifacts/notebooks")]
    public string Out { get; init; } = "artifacts/notebooks";

    [CommandOption("--cell-timeout <SECONDS>")]
    [Description("A cell still running after this long fails, and the cells after it do not run")]
    [DefaultValue(180.0)]
    [Within(0, 86_400, AboveMin = true)]
    public double CellTimeout { get; init; } = 180;

    /// <summary>The worker's side: execute this one notebook in this process.</summary>
    [CommandOption("--execute <NOTEBOOK>", IsHidden = true)]
    public string? Execute { get; init; }

    public TimeSpan CellTimeoutSpan => TimeSpan.FromSeconds(CellTimeout);

    public string OutDir => Path.GetFullPath(Out);

    /// <summary>The notebooks to run, in order.</summary>
    public IReadOnlyList<string> Notebooks() => [.. Paths.DefaultIfEmpty("notebooks").SelectMany(path => File.Exists(path)
        ? [Path.GetFullPath(path)]
        : Directory.GetFiles(path, "*.ipynb").Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToArray())];

    /// <summary>What is not on this machine: checked by <see cref="RunCommand"/>, after an unknown option has been refused.</summary>
    public ValidationResult ValidatePaths()
    {
        if (Execute is not null) return File.Exists(Execute) ? ValidationResult.Success() : ValidationResult.Error($"--execute: no notebook at '{Execute}'");
        if (Paths.DefaultIfEmpty("notebooks").FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p)) is { } missing)
            return ValidationResult.Error($"no notebook or folder at '{missing}'");
        return Notebooks().Count == 0 ? ValidationResult.Error("no .ipynb files found") : ValidationResult.Success();
    }
}
