using Avalon.Backends.Outside.Tests.Catalogue;

namespace Avalon.Backends.Outside.Tests;

/// <summary>The forward-only cases (primitives without a derivative rule) on the layout device against the CPU, bitwise.</summary>
public class ForwardParityTests
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in ForwardCases.All()) data.Add(c.ToString());
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void CaseMatchesTheCpu(string name) => Run(ForwardCases.All().Single(c => c.ToString() == name));

    internal static void Run(ForwardCase c)
    {
        var expected = c.Run();
        var actual = Parity.OnDevice(c.Run);
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++) Parity.AssertMatches(expected[k], actual[k], $"{c}: output {k}", 0);
    }
}
