namespace Workbook.Notebooks.Tests;

public class CheckTests
{
    [Fact]
    public void A_check_that_holds_prints_a_tick_line()
    {
        var previous = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            Check.Equal(10, 10, "the count");
            Check.That(true, "it holds");
        }
        finally
        {
            Console.SetOut(previous);
        }
        Assert.Equal("✔ the count: 10\n✔ it holds\n", output.ToString());
    }

    [Fact]
    public void A_check_that_fails_throws_with_expected_and_actual()
    {
        var e = Assert.Throws<CheckFailedException>(() => Check.Equal("10", "9", "files counted"));
        Assert.Equal("✘ files counted: expected \"10\", got \"9\"", e.Message);
        Assert.Throws<CheckFailedException>(() => Check.That(false, "never"));
    }
}
