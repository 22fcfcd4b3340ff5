// The tools' one command-line contract, on Spectre.Console.Cli (this file is linked into each tool):
// --help lists every option with its description and default; a bad argument (an unknown option, a missing or
// malformed value, a value out of range) is one line on stderr that names the option and the value, exit code 2,
// no stack trace; numbers are read with the invariant culture (0.5 on every machine, never 0,5).
using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;

namespace Workbook.Tools;

internal static partial class ToolCommandLine
{
    /// <summary>The exit code of a bad command line.</summary>
    public const int BadArguments = 2;

    /// <summary>Runs <paramref name="app"/> on <paramref name="args"/>; <paramref name="name"/> starts each error line.</summary>
    public static async Task<int> RunAsync(ICommandApp app, string name, string[] args)
    {
        var userCulture = CultureInfo.CurrentCulture;
        app.Configure(config =>
        {
            config.SetApplicationName(name);
            config.SetApplicationCulture(CultureInfo.InvariantCulture); // the help's headings in English, as its descriptions
            // Not UseStrictParsing: on an error it parses again with its default command's name inserted at each
            // position, so "--out" alone became "--out __default_command". Unknown options are refused by AfterParsing.
            config.PropagateExceptions(); // caught below: Spectre's own handler would exit with -1
            config.SetInterceptor(new AfterParsing(userCulture));
        });
        // Parsing and validation run in the invariant culture; the command itself prints in the user's (AfterParsing).
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return await app.RunAsync(args);
        }
        catch (CommandAppException e)
        {
            Console.Error.WriteLine($"{name}: {Describe(e, args)} See --help.");
            return BadArguments;
        }
        catch (UnexpectedArgumentException e)
        {
            Console.Error.WriteLine($"{name}: {e.Message} See --help.");
            return BadArguments;
        }
        finally
        {
            CultureInfo.CurrentCulture = userCulture;
        }
    }

    /// <summary>The option as --help names it: "-c|--clients".</summary>
    public static string OptionName(ICommandParameterInfo parameter) => parameter is ICommandOption option
        ? string.Join('|', option.ShortNames.Select(n => "-" + n).Concat(option.LongNames.Select(n => "--" + n)))
        : $"<{parameter.PropertyName.ToLowerInvariant()}>";

    private static string Describe(CommandAppException e, IReadOnlyList<string> args)
    {
        // A value that did not convert: Spectre names the value and the type but not the option it was given to.
        if (e is CommandRuntimeException && FailedConversion().Match(e.Message) is { Success: true } m)
        {
            var value = m.Groups["value"].Value;
            // "to Nullable`1": the converter underneath says which ("x is not a valid value for Int32").
            var type = ValidValueFor().Match(e.InnerException?.Message ?? "") is { Success: true } inner ? inner.Groups["type"].Value : m.Groups["type"].Value;
            var kind = type switch
            {
                "Int32" or "Int64" => "a whole number",
                "Double" => "a number",
                _ => "a " + type,
            };
            return OptionGiven(value, args) is { } option ? $"{option} needs {kind}, not '{value}'." : $"'{value}' is not {kind}.";
        }
        if (NoValue().Match(e.Message) is { Success: true } n) return $"{Dashed(n.Groups["name"].Value)} needs a value.";
        if (e.Message.StartsWith("Flags cannot be assigned a value") && args.FirstOrDefault(a => a.StartsWith('-') && a.IndexOfAny(['=', ':']) > 0) is { } flag)
            return $"{flag[..flag.IndexOfAny(['=', ':'])]} is a switch and takes no value, not '{flag}'.";
        // Spectre's other parse errors may name an option without its dashes ("Unexpected option 'nope'").
        var message = QuotedOption().Replace(e.Message, o => $"{o.Groups["word"].Value} '{Dashed(o.Groups["name"].Value)}'");
        return message.EndsWith('.') ? message : message + ".";
    }

    private static string Dashed(string name) => name.StartsWith('-') ? name : (name.Length == 1 ? "-" : "--") + name;

    /// <summary>The option a value was given to: "-c x", "--clients x", "--clients=x".</summary>
    private static string? OptionGiven(string value, IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == value && i > 0 && args[i - 1].StartsWith('-')) return args[i - 1];
            if (args[i].StartsWith('-') && args[i].IndexOfAny(['=', ':']) is > 0 and var at && args[i][(at + 1)..] == value) return args[i][..at];
        }
        return null;
    }

    [GeneratedRegex(@"^Failed to convert '(?<value>.*)' to (?<type>[\w`]+)\.")]
    private static partial Regex FailedConversion();

    [GeneratedRegex(@"is not a valid value for (?<type>\w+)")]
    private static partial Regex ValidValueFor();

    [GeneratedRegex(@"^Option '(?<name>[^']+)' is defined but no value has been provided")]
    private static partial Regex NoValue();

    [GeneratedRegex(@"(?<word>[Oo]ption) '(?<name>[^']+)'")]
    private static partial Regex QuotedOption();

    /// <summary>
    /// Refuses what the parser left over (an unknown option, anything after "--"), then gives the command the user's
    /// culture back: its arguments are parsed and validated by now.
    /// </summary>
    private sealed class AfterParsing(CultureInfo culture) : ICommandInterceptor
    {
        public void Intercept(CommandContext context, CommandSettings settings)
        {
            if (context.Remaining.Parsed.FirstOrDefault() is { } unknown)
                throw new UnexpectedArgumentException($"unknown option '{unknown.Key}'.");
            if (context.Remaining.Raw.FirstOrDefault() is { } extra)
                throw new UnexpectedArgumentException($"unexpected argument '{extra}'.");
            CultureInfo.CurrentCulture = culture;
        }
    }

    private sealed class UnexpectedArgumentException(string message) : Exception(message);
}

/// <summary>
/// A number option's range (<c>double.PositiveInfinity</c>: no maximum); a value outside it is an error that names
/// the option, the range and the value. Validation runs in the invariant culture, so the numbers print in it.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class WithinAttribute(double min, double max) : ParameterValidationAttribute(errorMessage: null!)
{
    /// <summary>The minimum itself is not allowed: "more than 0" for a duration.</summary>
    public bool AboveMin { get; set; }

    public override ValidationResult Validate(CommandParameterContext context)
    {
        if (context.Value is null) return ValidationResult.Success();
        var value = Convert.ToDouble(context.Value, CultureInfo.InvariantCulture);
        if ((AboveMin ? value > min : value >= min) && value <= max) return ValidationResult.Success(); // false for NaN
        var range = (AboveMin, double.IsPositiveInfinity(max)) switch
        {
            (true, true) => $"more than {min}",
            (true, false) => $"more than {min} and at most {max}",
            (false, true) => $"at least {min}",
            (false, false) => $"from {min} to {max}",
        };
        return ValidationResult.Error($"{ToolCommandLine.OptionName(context.Parameter)} must be {range}, not {context.Value}");
    }
}
