using Hids.Engine.Alerts;

namespace Hids.Engine.Analysis;

/// <summary>
/// The rule engine as the rest of the system sees it: one event in, at most one alert out (as OSSEC's analysisd).
/// Implementations keep correlation state (frequency/timeframe, if_matched_*, first-time-seen) between calls and
/// are used from a single thread.
/// </summary>
public interface IEventAnalyzer
{
    Alert? Analyze(LogEvent ev);
}
