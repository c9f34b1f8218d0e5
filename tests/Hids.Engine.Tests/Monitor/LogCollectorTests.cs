using System.Collections.Concurrent;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Monitor;

namespace Hids.Engine.Tests.Monitor;

public sealed class LogCollectorTests : IDisposable
{
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-lc");
    private readonly ConcurrentQueue<LogEvent> _events = new();
    public void Dispose() => _dir.Dispose();

    private LogCollector Collector(string file, string format = "syslog", int maxLine = 65536, bool onlyFuture = true)
        => new(new LogCollectorOptions
        {
            Files = { new LocalFileOptions { Location = file, LogFormat = format, OnlyFutureEvents = onlyFuture } },
            MaxLineLength = maxLine, PositionsFile = _dir.Combine("positions.json"),
        }, _events.Enqueue);

    private List<string> Drain() { var l = new List<string>(); while (_events.TryDequeue(out var e)) l.Add(e.FullLog); return l; }

    [Fact]
    public void Existing_file_starts_at_its_end_and_new_lines_are_read()
    {
        var f = _dir.Combine("a.log");
        File.WriteAllText(f, "old 1\nold 2\n");
        using var c = Collector(f);
        c.PollOnce();
        Assert.Empty(Drain());
        File.AppendAllText(f, "new 1\nnew 2\n");
        c.PollOnce();
        Assert.Equal(new[] { "new 1", "new 2" }, Drain());
        var ev = c.GetStatus().Single();
        Assert.Equal("Open", ev.State);
        Assert.Equal(new FileInfo(f).Length, ev.Position);
    }

    [Fact]
    public void Event_carries_location_and_format()
    {
        var f = _dir.Combine("dpkg.log");
        File.WriteAllText(f, "");
        using var c = Collector(f);
        c.PollOnce();
        File.AppendAllText(f, "2015-01-30 09:19:14 status installed nginx-common:all 1.2.1-2.2+wheezy3\n");
        c.PollOnce();
        Assert.True(_events.TryDequeue(out var e));
        Assert.Equal(f, e!.Location);
        Assert.Equal("syslog", e.LogFormat);
        Assert.Equal("2015-01-30 09:19:14 status installed nginx-common:all 1.2.1-2.2+wheezy3", e.FullLog);
    }

    [Fact]
    public void File_appearing_after_start_is_read_from_the_beginning()
    {
        var f = _dir.Combine("late.log");
        using var c = Collector(f);
        c.PollOnce();
        Assert.Equal("Missing", c.GetStatus().Single().State);
        File.WriteAllText(f, "first\nsecond\n");
        c.PollOnce();
        Assert.Equal(new[] { "first", "second" }, Drain());
    }

    [Fact]
    public void Rotation_by_rename_and_create_loses_and_duplicates_nothing()
    {
        var f = _dir.Combine("r.log");
        File.WriteAllText(f, "");
        using var c = Collector(f);
        c.PollOnce();
        File.AppendAllText(f, "a1\na2\n");
        c.PollOnce();
        File.AppendAllText(f, "a3\n");            // written before the rotation, not yet read
        File.Move(f, f + ".1");
        File.AppendAllText(f + ".1", "a4\n");     // the writer still had the old file open
        File.WriteAllText(f, "b1\nb2\n");         // the new file
        c.PollOnce();
        File.AppendAllText(f, "b3\n");
        c.PollOnce();
        Assert.Equal(new[] { "a1", "a2", "a3", "a4", "b1", "b2", "b3" }, Drain());
        Assert.Equal(1, c.GetStatus().Single().Rotations);
    }

    [Fact]
    public void Rotation_by_copytruncate_loses_and_duplicates_nothing()
    {
        var f = _dir.Combine("t.log");
        File.WriteAllText(f, "");
        using var c = Collector(f);
        c.PollOnce();
        File.AppendAllText(f, "line one is long enough\nline two is long enough\n");
        c.PollOnce();
        File.Copy(f, f + ".1");
        using (var s = new FileStream(f, FileMode.Open, FileAccess.Write)) s.SetLength(0);
        File.AppendAllText(f, "after\n");
        c.PollOnce();
        Assert.Equal(new[] { "line one is long enough", "line two is long enough", "after" }, Drain());
    }

    [Fact]
    public void Positions_survive_a_restart()
    {
        var f = _dir.Combine("p.log");
        File.WriteAllText(f, "");
        using (var c = Collector(f))
        {
            c.PollOnce();
            File.AppendAllText(f, "one\ntwo\nhalf");
            c.PollOnce();
            c.Stop();
        }
        Assert.Equal(new[] { "one", "two" }, Drain());
        File.AppendAllText(f, " done\nthree\n");  // written while the monitor was down
        using (var c = Collector(f))
        {
            c.PollOnce();
            Assert.Equal(new[] { "half done", "three" }, Drain());
        }
    }

    [Fact]
    public void With_processed_positions_a_crash_re_reads_lines_whose_events_were_not_processed()
    {
        var f = _dir.Combine("q.log");
        File.WriteAllText(f, "");
        LogCollector Acking() => new(new LogCollectorOptions
        {
            Files = { new LocalFileOptions { Location = f, LogFormat = "syslog" } },
            PositionsFile = _dir.Combine("positions.json"), SaveProcessedPositions = true,
        }, _events.Enqueue);
        using (var c = Acking())
        {
            c.PollOnce();
            File.AppendAllText(f, "one\ntwo\nthree\n");
            c.PollOnce();
            var read = new List<LogEvent>(); while (_events.TryDequeue(out var e)) read.Add(e);
            Assert.Equal(3, read.Count);
            read[0].Processed!();           // only "one" went through analysis and the outputs ...
            c.SavePositions();              // ... when the process dies (no Stop)
        }
        using (var c = Acking())
        {
            c.PollOnce();
            var again = new List<LogEvent>(); while (_events.TryDequeue(out var e)) again.Add(e);
            Assert.Equal(new[] { "two", "three" }, again.Select(e => e.FullLog));   // nothing lost, "one" not repeated
            foreach (var e in again) e.Processed!();
            c.Stop();
        }
        using (var c = Acking())
        {
            c.PollOnce();
            Assert.Empty(Drain());
        }
    }

    [Fact]
    public void File_rotated_while_down_is_read_whole()
    {
        var f = _dir.Combine("d.log");
        File.WriteAllText(f, "");
        using (var c = Collector(f)) { c.PollOnce(); File.AppendAllText(f, "x\n"); c.PollOnce(); c.Stop(); }
        Drain();
        File.Move(f, f + ".1");
        File.WriteAllText(f, "y1\ny2\n");
        using (var c = Collector(f)) { c.PollOnce(); Assert.Equal(new[] { "y1", "y2" }, Drain()); }
    }

    [Fact]
    public void Long_line_is_cut_not_dropped()
    {
        var f = _dir.Combine("long.log");
        File.WriteAllText(f, "");
        using var c = Collector(f, maxLine: 100);
        c.PollOnce();
        File.AppendAllText(f, new string('x', 250_000) + "TAIL\nnext\n");
        c.PollOnce();
        var got = Drain();
        Assert.Equal(2, got.Count);
        Assert.Equal(new string('x', 100), got[0]);
        Assert.Equal("next", got[1]);
    }

    [Fact]
    public void Symlink_swapped_in_is_not_followed()
    {
        var secret = _dir.Combine("secret");
        File.WriteAllText(secret, "root:$6$hash:19000:0:99999:7:::\n");
        var f = _dir.Combine("auth.log");
        File.WriteAllText(f, "");
        using var c = Collector(f);
        c.PollOnce();
        File.Delete(f);
        File.CreateSymbolicLink(f, secret);
        c.PollOnce();
        File.AppendAllText(secret, "more secret\n");
        c.PollOnce();
        Assert.Empty(Drain());
        Assert.Equal("Symlink", c.GetStatus().Single().State);
        // a regular file put back is followed again
        File.Delete(f);
        File.WriteAllText(f, "back\n");
        c.PollOnce();
        Assert.Equal(new[] { "back" }, Drain());
    }

    [Fact]
    public void Symlink_at_first_sight_is_not_followed()
    {
        var f = _dir.Combine("shadow-link.log");
        File.CreateSymbolicLink(f, "/etc/shadow");
        using var c = Collector(f);
        c.PollOnce();
        Assert.Empty(Drain());
        Assert.Equal("Symlink", c.GetStatus().Single().State);
    }

    [Fact]
    public void Postgresql_continuation_lines_are_joined()
    {
        var f = _dir.Combine("pg.log");
        File.WriteAllText(f, "");
        using var c = Collector(f, "postgresql_log");
        c.PollOnce();
        File.AppendAllText(f, "2024-01-02 10:00:00 UTC LOG:  statement: select 1\n\tfrom t\n2024-01-02 10:00:01 UTC FATAL:  password authentication failed for user \"x\"\n");
        c.PollOnce();
        c.PollOnce(); c.PollOnce(); // the last entry is complete after an idle interval
        Assert.Equal(new[] { "2024-01-02 10:00:00 UTC LOG:  statement: select 1 from t", "2024-01-02 10:00:01 UTC FATAL:  password authentication failed for user \"x\"" }, Drain());
    }

    [Fact]
    public void Snort_full_blocks_become_one_event()
    {
        var f = _dir.Combine("snort.log");
        File.WriteAllText(f, "");
        using var c = Collector(f, "snort-full");
        c.PollOnce();
        File.AppendAllText(f, "[**] [1:1000:1] Test alert [**]\n[Priority: 2]\n01/30-09:00:00.000 10.0.0.1:1 -> 10.0.0.2:80\n\n");
        c.PollOnce();
        Assert.Equal(new[] { "[**] [1:1000:1] Test alert [**] [Priority: 2] 01/30-09:00:00.000 10.0.0.1:1 -> 10.0.0.2:80" }, Drain());
    }

    [Fact]
    public void Mysql_lines_get_the_mysql_prefix_and_last_timestamp()
    {
        var f = _dir.Combine("mysql.log");
        File.WriteAllText(f, "");
        using var c = Collector(f, "mysql_log");
        c.PollOnce();
        File.AppendAllText(f, "150130  9:19:14 [ERROR] Something failed\n\t\t  42 Connect\tAccess denied for user 'root'@'localhost'\n");
        c.PollOnce();
        var got = Drain();
        Assert.Equal("MySQL log: 150130  9:19:14 [ERROR] Something failed", got[0]);
        Assert.StartsWith("MySQL log: 150130  9:19:14 42 Connect", got[1]);
    }
}
