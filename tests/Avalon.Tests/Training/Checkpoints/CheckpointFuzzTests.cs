using System.Diagnostics;
using System.Text.Json.Nodes;
using Avalon.Optim;
using Avalon.Optim.Schedulers;
using Avalon.Training.Checkpoints;
using Xunit.Abstractions;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training.Checkpoints;

/// <summary>
/// Loads thousands of damaged variants of a small checkpoint (byte flips, truncations, JSON field
/// mutations, tensor mutations) into a model, an optimiser and a scheduler, and checks that each
/// either loads into a state that trains, or fails with a <see cref="CheckpointException"/> and
/// changes nothing; that no case takes over a second; and that no case allocates more than a
/// small multiple of the size of the checkpoint it damaged.
/// </summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 20261202;
    // Bytes allocated per byte of the damaged checkpoint: copies of the tensors (about 2 x), the JSON, and for a
    // rejected file the exception and its messages, a fixed cost that weighs most on the 2 KB version 1 file.
    private const double AllocationLimitPerFileByte = 32;
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private sealed record Mutant(string Kind, byte[] Bytes, bool Version1);

    [Fact]
    public void DamagedCheckpointsFailCleanlyAndChangeNothing()
    {
        // The checkpoint to damage (version 2, with optimiser and scheduler) and the committed version 1 file.
        var source = new Mlp(2, 32, 2, seed: 1);
        var sourceAdam = new Adam(source.Parameters(), lr: 0.01, amsgrad: true);
        var sourceScheduler = new StepLR(sourceAdam, stepSize: 2, gamma: 0.5);
        TransactionalLoadTests.Steps(source, sourceAdam, 2);
        sourceScheduler.Step();
        string good = PathOf("good.safetensors");
        source.Save(good, sourceAdam, epoch: 1, metadata: new Dictionary<string, string> { ["note"] = "fuzz" }, scheduler: sourceScheduler);
        byte[] goodBytes = File.ReadAllBytes(good);
        byte[] v1Bytes = File.ReadAllBytes(CheckpointFiles.Version1File);

        // What is loaded into: two models, so the version 1 file (another architecture) has its own.
        var target = new Target(new Mlp(2, 32, 2, seed: 9));
        var v1Target = new Target(new Mlp(2, 4, 2, seed: 9));

        var goodContent = Avalon.Interop.Safetensors.SafetensorsFile.Read(good);
        var v1Content = Avalon.Interop.Safetensors.SafetensorsFile.Read(CheckpointFiles.Version1File);
        var random = new Random(Seed);
        var generation = Stopwatch.StartNew();
        var mutants = new List<Mutant>();
        for (int i = 0; i < 900; i++) mutants.Add(new("byte flip", Flip(goodBytes, random), false));
        for (int i = 0; i < 300; i++) mutants.Add(new("byte flip v1", Flip(v1Bytes, random), true));
        for (int i = 0; i < 300; i++) mutants.Add(new("truncation", goodBytes[..random.Next(goodBytes.Length)], false));
        for (int i = 0; i < 800; i++) mutants.Add(new("json field", JsonMutant(goodContent, random), false));
        for (int i = 0; i < 300; i++) mutants.Add(new("json field v1", JsonMutant(v1Content, random), true));
        for (int i = 0; i < 400; i++) mutants.Add(new("tensor", TensorMutant(goodContent, random), false));

        // Warm up (JIT, pools) so the measured allocations are those of loading.
        File.WriteAllBytes(PathOf("short.safetensors"), goodBytes[..100]);
        Assert.Throws<CheckpointException>(() => target.Model.Load(PathOf("short.safetensors"), target.Adam));
        target.Model.Load(good, target.Adam, scheduler: target.Scheduler);
        target.Restore();
        v1Target.Model.Load(CheckpointFiles.Version1File, v1Target.Adam);
        v1Target.Restore();

        var failures = new List<string>();
        var exceptionTypes = new SortedDictionary<string, int>();
        var byKind = new SortedDictionary<string, (int Cases, int Loaded)>();
        long worstAllocation = 0;
        double worstRatio = 0;
        double worstSeconds = 0;
        string worstAllocationCase = "", worstTimeCase = "";
        string path = PathOf("mutant.safetensors");
        output.WriteLine($"{mutants.Count} mutants made in {generation.Elapsed.TotalSeconds:F1} s.");
        var all = Stopwatch.StartNew();
        for (int i = 0; i < mutants.Count; i++)
        {
            var mutant = mutants[i];
            var t = mutant.Version1 ? v1Target : target;
            File.WriteAllBytes(path, mutant.Bytes);
            string before = t.PristineFingerprint;
            bool loaded = false;
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                t.Model.Load(path, t.Adam, scheduler: mutant.Version1 ? null : t.Scheduler);
                loaded = true;
            }
            catch (Exception ex)
            {
                string type = ex.GetType().Name;
                exceptionTypes[type] = exceptionTypes.GetValueOrDefault(type) + 1;
                if (ex is not CheckpointException)
                    failures.Add($"case {i} ({mutant.Kind}): {type}: {ex.Message}");
            }
            clock.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            var counts = byKind.GetValueOrDefault(mutant.Kind);
            byKind[mutant.Kind] = (counts.Cases + 1, counts.Loaded + (loaded ? 1 : 0));
            // Measured against the size of the checkpoint that was damaged: a 4-byte truncation still costs the fixed price of an exception.
            double ratio = (double)allocated / (mutant.Version1 ? v1Bytes.Length : goodBytes.Length);
            if (ratio > worstRatio)
            {
                worstRatio = ratio;
                worstAllocation = allocated;
                worstAllocationCase = $"case {i} ({mutant.Kind}, {mutant.Bytes.Length} bytes, {(loaded ? "loaded" : "rejected")})";
            }
            if (clock.Elapsed.TotalSeconds > worstSeconds)
            {
                worstSeconds = clock.Elapsed.TotalSeconds;
                worstTimeCase = $"case {i} ({mutant.Kind})";
            }
            if (!loaded)
            {
                if (t.Fingerprint() != before) failures.Add($"case {i} ({mutant.Kind}): loading failed but changed the model, optimiser or scheduler");
                continue;
            }
            // A mutant that loads (a changed metadata string, learning rate or weight) must give a state that trains.
            try
            {
                t.TrainOneStep();
            }
            catch (Exception ex)
            {
                failures.Add($"case {i} ({mutant.Kind}): loaded, then the first step failed: {ex.GetType().Name}: {ex.Message}");
            }
            t.Restore();
        }
        all.Stop();

        output.WriteLine($"{mutants.Count} cases in {all.Elapsed.TotalSeconds:F1} s; file {goodBytes.Length} bytes (version 1 file {v1Bytes.Length} bytes).");
        foreach (var (kind, (cases, loadedCount)) in byKind) output.WriteLine($"  {kind}: {cases} cases, {loadedCount} loaded, {cases - loadedCount} rejected");
        output.WriteLine("exceptions: " + string.Join(", ", exceptionTypes.Select(e => $"{e.Key} x{e.Value}")));
        output.WriteLine($"worst allocation: {worstAllocation} bytes = {worstRatio:F1} x the file size, {worstAllocationCase}");
        output.WriteLine($"worst time: {worstSeconds * 1000:F1} ms, {worstTimeCase}");
        foreach (var failure in failures.Take(20)) output.WriteLine(failure);

        Assert.True(failures.Count == 0, $"{failures.Count} failures, the first: {string.Join("\n", failures.Take(5))}");
        Assert.Equal(["CheckpointException"], exceptionTypes.Keys);
        Assert.True(worstSeconds < 1, $"{worstTimeCase} took {worstSeconds:F2} s");
        Assert.True(worstRatio <= AllocationLimitPerFileByte, $"{worstAllocationCase} allocated {worstAllocation} bytes, {worstRatio:F1} x the file size");
    }

    /// <summary>A model, its Adam and StepLR, with the state they return to after a mutant loaded.</summary>
    private sealed class Target
    {
        private readonly string _pristine = Path.Combine(Path.GetTempPath(), $"avalon-fuzz-target-{Guid.NewGuid():N}.safetensors");

        public Target(Mlp model)
        {
            Model = model;
            Adam = new Adam(model.Parameters(), lr: 0.2, amsgrad: true);
            Scheduler = new StepLR(Adam, stepSize: 3, gamma: 0.1);
            TransactionalLoadTests.Steps(model, Adam, 1, seed: 8);
            model.Save(_pristine, Adam, scheduler: Scheduler);
            PristineFingerprint = Fingerprint();
        }

        /// <summary>The fingerprint of the state every case starts from (a failed load must leave it, a successful one is undone by <see cref="Restore"/>).</summary>
        public string PristineFingerprint { get; }

        public Mlp Model { get; }

        public Adam Adam { get; }

        public StepLR Scheduler { get; }

        public string Fingerprint() =>
            string.Join(";", Snapshot(Model).Select(p => p.Key + ":" + string.Join(",", p.Value))) + "#" +
            CheckpointFiles.Fingerprint(Adam) + "#" + string.Join(",", Scheduler.StateDict().OrderBy(s => s.Key).Select(s => s.Key + "=" + Format(s.Value)));

        public void TrainOneStep()
        {
            TransactionalLoadTests.Steps(Model, Adam, 1, seed: 3);
            Scheduler.Step();
        }

        public void Restore()
        {
            Model.Load(_pristine, Adam, scheduler: Scheduler);
            Assert.Equal(PristineFingerprint, Fingerprint());
        }

        private static string Format(object value) => value is double[] a ? string.Join(" ", a) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static byte[] Flip(byte[] bytes, Random random)
    {
        var copy = (byte[])bytes.Clone();
        int flips = random.Next(1, 4);
        for (int f = 0; f < flips; f++)
        {
            // Half the flips land in the first 8 + header bytes, where the structure is.
            int headerEnd = (int)Math.Min(copy.Length, 8 + BitConverter.ToInt64(bytes, 0));
            int at = random.Next(2) == 0 ? random.Next(headerEnd) : random.Next(copy.Length);
            copy[at] ^= random.Next(3) == 0 ? (byte)random.Next(1, 256) : (byte)(1 << random.Next(8));
        }
        return copy;
    }

    private static readonly Func<JsonNode?>[] Replacements =
    [
        () => JsonValue.Create("3"), () => JsonValue.Create("x"), () => JsonValue.Create(0.9), () => JsonValue.Create(3),
        () => JsonValue.Create(-1), () => JsonValue.Create(1e300), () => JsonValue.Create(2147483648L), () => JsonValue.Create(true),
        () => null, () => new JsonArray(), () => new JsonArray(1.0), () => new JsonArray("a", 2), () => new JsonObject(),
        () => new JsonObject { ["double"] = "NaN" }, () => new JsonObject { ["double"] = "oops" }, () => JsonValue.Create(new string('z', 300)),
    ];

    /// <summary>The checkpoint with one field of its document removed, replaced or added (checksums kept valid).</summary>
    private static byte[] JsonMutant(Avalon.Interop.Safetensors.SafetensorsContent source, Random random) =>
        CheckpointFiles.Rewrite(source, (document, _) =>
        {
            var places = new List<(JsonNode Parent, string? Key, int Index)>();
            Collect(document, places);
            var (parent, key, index) = places[random.Next(places.Count)];
            int action = random.Next(10);
            if (parent is JsonObject obj)
            {
                if (action < 3) obj.Remove(key!);
                else if (action == 3) obj["unknown_" + random.Next(100)] = Replacements[random.Next(Replacements.Length)]();
                else obj[key!] = Replacements[random.Next(Replacements.Length)]();
            }
            else if (parent is JsonArray array)
            {
                if (action < 3) array.RemoveAt(index);
                else if (action == 3) array.Add(Replacements[random.Next(Replacements.Length)]());
                else array[index] = Replacements[random.Next(Replacements.Length)]();
            }
        });

    private static void Collect(JsonNode node, List<(JsonNode Parent, string? Key, int Index)> places)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj.ToList())
            {
                if (key == "checksums") continue;   // rewritten from the tensors anyway
                places.Add((obj, key, -1));
                if (child is not null) Collect(child, places);
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                places.Add((array, null, i));
                if (array[i] is { } child) Collect(child, places);
            }
        }
    }

    /// <summary>The checkpoint with one tensor dropped, renamed, added, reshaped or recast (checksums kept valid).</summary>
    private static byte[] TensorMutant(Avalon.Interop.Safetensors.SafetensorsContent source, Random random) =>
        CheckpointFiles.Rewrite(source, (_, tensors) =>
        {
            var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
            string name = names[random.Next(names.Count)];
            var tensor = tensors[name];
            switch (random.Next(7))
            {
                case 0: tensors.Remove(name); break;
                case 1: tensors.Remove(name); tensors[name + "x"] = tensor; break;
                case 2: tensors["optimizer.state." + random.Next(6) + ".exp_avg"] = Tensor.Zeros(random.Next(1, 5), 2); break;
                case 3: tensors[name] = tensor.Reshape(-1); break;
                case 4: tensors[name] = tensor.To(DType.Int32); break;
                case 5: tensors[name] = tensor.To(DType.Float64); break;
                default: tensors[name] = Tensor.Zeros(20, 1, 5, 5, 1); break;
            }
        });
}
