namespace Avalon.Training.Callbacks;

/// <summary>Tracks the best value of a monitored log entry: the rule for "better" shared by the callbacks.</summary>
internal sealed class MonitoredValue
{
    public MonitoredValue(string monitor, MonitorMode mode, double minDelta, string callback)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        if (!(minDelta >= 0))
            throw OpErrors.OutOfRange(callback, nameof(minDelta), minDelta, $"minDelta must be a non-negative number, got {minDelta}.");
        if (!Enum.IsDefined(mode))
            throw OpErrors.OutOfRange(callback, nameof(mode), mode, $"unknown mode {mode}.");
        Monitor = monitor;
        Mode = mode == MonitorMode.Auto ? Resolve(monitor) : mode;
        MinDelta = minDelta;
        Callback = callback;
        Reset();
    }

    public string Monitor { get; }

    public MonitorMode Mode { get; }

    public double MinDelta { get; }

    public string Callback { get; }

    public double Best { get; private set; }

    public int BestEpoch { get; private set; }

    public void Reset()
    {
        Best = Mode == MonitorMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
        BestEpoch = 0;
    }

    /// <summary>Whether <paramref name="current"/> beats the best by more than the minimum delta (NaN never does).</summary>
    public bool IsImprovement(double current) => Mode == MonitorMode.Min
        ? current < Best - MinDelta
        : current > Best + MinDelta;

    /// <summary>Reads the monitored value from the logs and records it when it improves; returns whether it did.</summary>
    public bool Update(CallbackContext context, out double current)
    {
        current = context.GetLog(Monitor, Callback);
        if (!IsImprovement(current)) return false;
        Best = current;
        BestEpoch = context.Epoch;
        return true;
    }

    private static MonitorMode Resolve(string monitor)
    {
        string name = monitor.ToLowerInvariant();
        return name.Contains("acc", StringComparison.Ordinal) || name.Contains("f1", StringComparison.Ordinal) ||
               name.Contains("precision", StringComparison.Ordinal) || name.Contains("recall", StringComparison.Ordinal)
            ? MonitorMode.Max
            : MonitorMode.Min;
    }
}
