using Spectre.Console;

namespace Avalon.Training.Progress;

/// <summary>
/// A live Spectre.Console progress bar, one row per epoch. Spectre's progress display runs its own
/// render loop inside a callback, so the callback runs on a background task that holds the context
/// until this object is disposed; the training thread only sets task values.
/// </summary>
internal sealed class LiveTrainingProgress : TrainingProgress
{
    // The bar and the description share one 80-column row: the status line carries the percentage.
    private const int BarWidth = 12;
    private readonly IAnsiConsole _console;
    private readonly ManualResetEventSlim _ready = new();
    private readonly ManualResetEventSlim _finished = new();
    private readonly Task _render;
    private ProgressContext? _context;
    private ProgressTask? _task;

    public LiveTrainingProgress(int epochs, string? metricName, TimeProvider time, IAnsiConsole console) : base(epochs, metricName, time)
    {
        _console = console;
        var progress = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new ProgressBarColumn { Width = BarWidth }, new TaskDescriptionColumn { Alignment = Justify.Left });
        _render = Task.Run(() =>
        {
            try
            {
                progress.Start(context =>
                {
                    _context = context;
                    _ready.Set();
                    _finished.Wait();
                });
            }
            finally
            {
                _ready.Set();
            }
        });
        _ready.Wait();
        if (_context is null)
        {
            _render.GetAwaiter().GetResult();
            throw OpErrors.State("TrainingProgress", "the live progress display did not start; use ProgressMode.Plain.");
        }
    }

    private int DescriptionWidth => Math.Min(_console.Profile.Width, LineWidth) - BarWidth - 2;

    public override void WriteLine(string message) => _console.WriteLine(message);

    private protected override void OnBeginEpoch()
    {
        _task = _context!.AddTask(Markup.Escape(StatusLine(DescriptionWidth)), maxValue: Math.Max(Steps, 1));
    }

    private protected override void OnUpdate(int previousStep)
    {
        if (_task is null) return;
        _task.Value = Step;
        _task.Description = Markup.Escape(StatusLine(DescriptionWidth));
    }

    private protected override void OnEndEpoch(string? summary)
    {
        if (_task is null) return;
        _task.Value = _task.MaxValue;
        var (required, throughput, shortThroughput) = EpochEndParts();
        if (!string.IsNullOrEmpty(summary)) required.Add(summary);
        _task.Description = Markup.Escape(FitLine(required, [[throughput], [shortThroughput]], DescriptionWidth));
        _task.StopTask();
        _task = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished.IsSet)
        {
            _finished.Set();
            _render.Wait();
            _ready.Dispose();
            _finished.Dispose();
        }
        base.Dispose(disposing);
    }
}
