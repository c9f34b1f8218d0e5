using System.Collections.Concurrent;
using System.Management.Automation;
using Hids.Engine.Core;

namespace Hids.PowerShell.Common;

/// <summary>
/// Runs long engine work (a scan, a rootcheck) off the pipeline thread and relays what it reports — progress, verbose
/// text, warnings — back on the pipeline thread, the only one a cmdlet may write from. Ends the progress bar when the
/// work ends, and hands back its result or rethrows its exception.
/// </summary>
internal sealed class PipelineRelay<TProgress> : IProgress<TProgress>, IHidsLog where TProgress : notnull
{
    private readonly BlockingCollection<object> _queue = new();

    public void Report(TProgress value) => Add(value);

    /// <summary>Shown with -Verbose.</summary>
    public void Verbose(string message) => Add(message);

    public void Warning(string message) => Add(new WarningRecord(message));

    /// <summary>As an operational log: Info and above become verbose text.</summary>
    void IHidsLog.Write(LogLevel level, string component, string message)
    {
        if (level >= LogLevel.Info) Add(message);
    }

    private void Add(object item)
    {
        if (!_queue.IsAddingCompleted) _queue.TryAdd(item);
    }

    /// <param name="describe">Fills the progress record (status, current operation, percent) from one report.</param>
    public T Run<T>(Cmdlet cmdlet, string activity, Func<T> work, Action<ProgressRecord, TProgress> describe)
    {
        var task = Task.Run(() =>
        {
            try { return work(); }
            finally { _queue.CompleteAdding(); }
        });
        var record = new ProgressRecord(1, activity, "Starting");
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            switch (item)
            {
                case TProgress p:
                    describe(record, p);
                    cmdlet.WriteProgress(record);
                    break;
                case string s: cmdlet.WriteVerbose(s); break;
                case WarningRecord w: cmdlet.WriteWarning(w.Message); break;
            }
        }
        record.RecordType = ProgressRecordType.Completed;
        cmdlet.WriteProgress(record);
        return task.GetAwaiter().GetResult();
    }
}
