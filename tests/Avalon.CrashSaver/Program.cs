using Avalon;
using Avalon.Nn;
using Avalon.Training.Checkpoints;

// Usage: Avalon.CrashSaver <checkpoint path> <first version> [<number of saves, 0 for no end>]
// Saves checkpoint version v (every weight equal to v, epoch v) for v = first, first + 1, ...,
// printing "ready" at the start, and "saving <v>" and "saved <v>" around each save, until it is killed.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Avalon.CrashSaver <checkpoint path> <first version> [<number of saves>]");
    return 2;
}
string path = args[0];
int first = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
int count = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
var model = new CrashModel();
Console.Out.WriteLine("ready");
Console.Out.Flush();
for (int v = first; count == 0 || v < first + count; v++)
{
    var weights = new Dictionary<string, Tensor>();
    foreach (var (name, p) in model.StateDict()) weights[name] = Tensor.Full(p.Shape.ToArray(), v);
    model.LoadStateDict(weights);
    Console.Out.WriteLine($"saving {v}");
    Console.Out.Flush();
    model.Save(path, epoch: v);
    Console.Out.WriteLine($"saved {v}");
    Console.Out.Flush();
}
return 0;

/// <summary>About two million weights (8 MB), so that a save takes long enough to be killed in the middle.</summary>
internal sealed class CrashModel : Module
{
    public Linear Fc1 = new(1024, 1024);
    public Linear Fc2 = new(1024, 1024);
    public Linear Fc3 = new(1024, 10);
}
