using System.Net;
using System.Text;
using System.Text.Json;
using Hids.Engine.Core;

namespace Hids.Engine.Syscheck;

public sealed class IntegrityReportRow
{
    public string Key { get; set; } = "";
    public int Added { get; set; }
    public int Modified { get; set; }
    public int Deleted { get; set; }
    public int Accepted { get; set; }
    public int Total => Added + Modified + Deleted + Accepted;
}

/// <summary>Export-HidsIntegrityReport: the changes recorded since a date, summarised (JSON) or as an HTML page with a chart.</summary>
public sealed class IntegrityReport
{
    public DateTimeOffset Generated { get; set; } = DateTimeOffset.Now;
    public DateTimeOffset Since { get; set; }
    public string Host { get; set; } = Environment.MachineName;
    public string Instance { get; set; } = "";
    public long FilesInBaseline { get; set; }
    public IntegrityReportRow Totals { get; set; } = new() { Key = "all" };
    public List<IntegrityReportRow> ByDay { get; set; } = new();
    public List<IntegrityReportRow> ByDirectory { get; set; } = new();
    public List<FileChangeRecord> Changes { get; set; } = new();

    public static IntegrityReport Build(BaselineStore store, DateTimeOffset since, string instance)
    {
        var changes = store.HistorySince(since).Where(c => c.Change is "Added" or "Modified" or "Deleted" or "Accepted").ToList();
        var r = new IntegrityReport { Since = since, Instance = instance, FilesInBaseline = store.Count(), Changes = changes };
        static void Count(IntegrityReportRow row, string change)
        {
            switch (change) { case "Added": row.Added++; break; case "Modified": row.Modified++; break; case "Deleted": row.Deleted++; break; default: row.Accepted++; break; }
        }
        var days = new SortedDictionary<string, IntegrityReportRow>(StringComparer.Ordinal);
        var dirs = new Dictionary<string, IntegrityReportRow>(StringComparer.Ordinal);
        // Every day of the period gets a bar, also days without changes.
        for (var d = since.ToLocalTime().Date; d <= DateTime.Now.Date && days.Count < 400; d = d.AddDays(1))
            days[d.ToString("yyyy-MM-dd")] = new IntegrityReportRow { Key = d.ToString("yyyy-MM-dd") };
        foreach (var c in changes)
        {
            Count(r.Totals, c.Change);
            var day = c.Time.ToLocalTime().ToString("yyyy-MM-dd");
            if (!days.TryGetValue(day, out var dr)) days[day] = dr = new IntegrityReportRow { Key = day };
            Count(dr, c.Change);
            var dir = Path.GetDirectoryName(c.Path) ?? "/";
            if (!dirs.TryGetValue(dir, out var rr)) dirs[dir] = rr = new IntegrityReportRow { Key = dir };
            Count(rr, c.Change);
        }
        r.ByDay = days.Values.ToList();
        r.ByDirectory = dirs.Values.OrderByDescending(x => x.Total).ThenBy(x => x.Key, StringComparer.Ordinal).ToList();
        return r;
    }

    public string ToJson() => JsonSerializer.Serialize(this, HidsJson.Indented.IntegrityReport);

    /// <summary>The chart of changes per day by kind, rendered by ScottPlot as SVG.</summary>
    public string ChartSvg(int width = 900, int height = 320)
    {
        var plt = new ScottPlot.Plot();
        var series = new (string Name, Func<IntegrityReportRow, int> Get, ScottPlot.Color Color)[]
        {
            ("Added", x => x.Added, ScottPlot.Color.FromHex("#2e7d32")),
            ("Modified", x => x.Modified, ScottPlot.Color.FromHex("#ef6c00")),
            ("Deleted", x => x.Deleted, ScottPlot.Color.FromHex("#c62828")),
            ("Accepted", x => x.Accepted, ScottPlot.Color.FromHex("#546e7a")),
        };
        var bars = new List<ScottPlot.Bar>();
        for (int i = 0; i < ByDay.Count; i++)
        {
            double bottom = 0;
            foreach (var s in series)
            {
                var v = s.Get(ByDay[i]);
                if (v == 0) continue;
                bars.Add(new ScottPlot.Bar { Position = i, ValueBase = bottom, Value = bottom + v, FillColor = s.Color, LineWidth = 0 });
                bottom += v;
            }
        }
        if (bars.Count > 0) plt.Add.Bars(bars);
        var ticks = new List<ScottPlot.Tick>();
        int step = Math.Max(1, ByDay.Count / 12);
        for (int i = 0; i < ByDay.Count; i += step) ticks.Add(new ScottPlot.Tick(i, ByDay[i].Key[5..]));
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        foreach (var s in series) plt.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = s.Name, FillColor = s.Color });
        plt.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plt.Title("File changes per day");
        plt.YLabel("changes");
        double max = ByDay.Count == 0 ? 1 : Math.Max(1, ByDay.Max(d => d.Total));
        // Every day of the period is on the axis (also days without changes); headroom above the bars for the legend.
        plt.Axes.SetLimits(-0.5, Math.Max(0.5, ByDay.Count - 0.5), 0, max * 1.35);
        return plt.GetSvgXml(width, height);
    }

    public string ToHtml()
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Hids integrity report</title><style>")
          .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
          .Append("th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}th{background:#eee}td.n{text-align:right}")
          .Append(".chart{border:1px solid #ddd;display:inline-block}pre{white-space:pre-wrap;margin:0;font-size:90%}")
          .Append("</style></head><body>");
        sb.Append($"<h1>Integrity report: {E(Host)}</h1>");
        sb.Append($"<p>Changes recorded from {E(Since.ToLocalTime().ToString("yyyy-MM-dd HH:mm"))} to {E(Generated.ToString("yyyy-MM-dd HH:mm"))} ")
          .Append($"(instance {E(Instance)}; {FilesInBaseline} files in the baseline).</p>");
        sb.Append("<h2>By change type</h2><table><tr><th>Change</th><th>Count</th></tr>")
          .Append($"<tr><td>Added</td><td class=n>{Totals.Added}</td></tr><tr><td>Modified</td><td class=n>{Totals.Modified}</td></tr>")
          .Append($"<tr><td>Deleted</td><td class=n>{Totals.Deleted}</td></tr><tr><td>Accepted (Update-HidsBaseline)</td><td class=n>{Totals.Accepted}</td></tr>")
          .Append($"<tr><th>Total</th><th class=n>{Totals.Total}</th></tr></table>");
        sb.Append("<h2>Changes over time</h2><div class=\"chart\">");
        var svg = ChartSvg();
        var i = svg.IndexOf("<svg", StringComparison.Ordinal);
        sb.Append(i >= 0 ? svg[i..] : svg).Append("</div>");
        sb.Append("<h2>By directory</h2><table><tr><th>Directory</th><th>Added</th><th>Modified</th><th>Deleted</th><th>Accepted</th><th>Total</th></tr>");
        foreach (var d in ByDirectory.Take(200))
            sb.Append($"<tr><td>{E(d.Key)}</td><td class=n>{d.Added}</td><td class=n>{d.Modified}</td><td class=n>{d.Deleted}</td><td class=n>{d.Accepted}</td><td class=n>{d.Total}</td></tr>");
        sb.Append("</table>");
        sb.Append("<h2>Changes</h2><table><tr><th>Time</th><th>Change</th><th>Path</th><th>Attributes</th><th>Recorded by</th></tr>");
        foreach (var c in Changes.OrderByDescending(c => c.Time).ThenByDescending(c => c.Id).Take(1000))
            sb.Append($"<tr><td>{E(c.Time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"))}</td><td>{E(c.Change)}</td><td>{E(c.Path)}</td><td>{E(string.Join(", ", c.ChangedAttributes))}</td><td>{E(c.Source)}</td></tr>");
        sb.Append("</table>");
        if (Changes.Count > 1000) sb.Append($"<p>{Changes.Count - 1000} older changes not listed; see the JSON report.</p>");
        sb.Append("<p style=\"color:#888\">Generated by Hids Export-HidsIntegrityReport. Diffs are not included in reports.</p></body></html>");
        return sb.ToString();
    }
}
