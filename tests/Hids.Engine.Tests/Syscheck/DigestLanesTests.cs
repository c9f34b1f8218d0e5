using System.Security.Cryptography;
using Hids.Engine.Syscheck;

namespace Hids.Engine.Tests.Syscheck;

/// <summary>
/// The multi-buffer MD5 and SHA-1 against .NET's (OpenSSL's) one-stream digests, on every padding edge and chunk split,
/// with lanes asking for MD5 only, SHA-1 only and both mixed in the same rounds.
/// </summary>
public sealed class DigestLanesTests
{
    public static TheoryData<int> Widths()
    {
        var d = new TheoryData<int>();
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) d.Add(8);
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported) d.Add(16);
        if (d.Count == 0) d.Add(0); // no SIMD path on this CPU: the test only checks Supported says so
        return d;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Digests_match_the_one_stream_digests_for_every_length_and_chunking(int width)
    {
        if (width == 0) { Assert.Equal(0, DigestLanes.Supported); return; }
        var rnd = new Random(7);
        // Lengths around every padding edge (55/56/63/64 bytes), around the chunk size, and a few larger streams
        // (a length whose bit count needs the high 32-bit word: the next test).
        var lengths = new List<int>();
        foreach (var b in new[] { 0, 64, 128, 1024, 4096, 1 << 12 })
            for (int k = -9; k <= 9; k++) if (b + k >= 0) lengths.Add(b + k);
        lengths.AddRange(new[] { 4095, 4096, 4097, 8191, 8192, 8193, 12_345, 100_000, 250_001 });
        var data = lengths.Select(n => { var x = new byte[n]; rnd.NextBytes(x); return x; }).ToList();
        // Which digests each stream asks for: both, MD5 only, SHA-1 only, in turn.
        bool WantMd5(int s) => s % 3 != 2;
        bool WantSha1(int s) => s % 3 != 1;
        using var dl = new DigestLanes(chunkBytes: 4096, lanes: width);
        var md5s = new byte[data.Count][];
        var sha1s = new byte[data.Count][];
        var pos = new long[width];
        var which = Enumerable.Repeat(-1, width).ToArray();
        int next = 0, active = 0;
        while (next < data.Count || active > 0)
        {
            for (int l = 0; l < width; l++)
            {
                if (which[l] < 0 && next < data.Count) { which[l] = next; dl.Reset(l, WantMd5(next), WantSha1(next)); next++; pos[l] = 0; active++; }
                if (which[l] < 0 || dl.Remaining(l) > 0) continue;
                var src = data[which[l]];
                int n = (int)Math.Min(dl.ChunkBytes, src.Length - pos[l]);
                src.AsSpan((int)pos[l], n).CopyTo(dl.Slot(l));
                pos[l] += n;
                if (n < dl.ChunkBytes) dl.Pad(l, n, pos[l]); else dl.Feed(l, n);
            }
            if (active == 0) break;
            Assert.True(dl.Run());
            for (int l = 0; l < width; l++)
            {
                if (which[l] < 0 || dl.Remaining(l) > 0) continue;
                // A full last chunk is followed by a padding-only chunk (n = 0 < ChunkBytes) on the next round.
                if (!dl.LastWasPad(l)) continue;
                int s = which[l];
                if (WantMd5(s)) md5s[s] = dl.Md5(l); else Assert.Throws<InvalidOperationException>(() => dl.Md5(l));
                if (WantSha1(s)) sha1s[s] = dl.Sha1(l); else Assert.Throws<InvalidOperationException>(() => dl.Sha1(l));
                dl.Idle(l); which[l] = -1; active--;
            }
        }
        for (int i = 0; i < data.Count; i++)
        {
            if (WantMd5(i)) Assert.True(MD5.HashData(data[i]).AsSpan().SequenceEqual(md5s[i]), $"MD5, length {data[i].Length}");
            if (WantSha1(i)) Assert.True(SHA1.HashData(data[i]).AsSpan().SequenceEqual(sha1s[i]), $"SHA-1, length {data[i].Length}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void A_stream_longer_than_4_GiB_of_bits_gets_the_high_length_word_right(int width)
    {
        if (width == 0) return;
        // 600 MiB of zeros is 5 GiB of bits: the length's high 32-bit word is not 0. The same 64 KiB of zeros is fed
        // over and over, so the test costs hashing time only.
        const long total = 600L << 20;
        using var dl = new DigestLanes(lanes: width);
        dl.Reset(0, md5: true, sha1: true);
        dl.Slot(0).Clear();
        using var md5 = System.Security.Cryptography.IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha1 = System.Security.Cryptography.IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var zeros = new byte[dl.ChunkBytes];
        for (long done = 0; done < total; done += dl.ChunkBytes) { dl.Feed(0, dl.ChunkBytes); Assert.True(dl.Run()); md5.AppendData(zeros); sha1.AppendData(zeros); }
        dl.Slot(0).Clear();
        dl.Pad(0, 0, total);
        Assert.True(dl.Run());
        Assert.Equal(md5.GetHashAndReset(), dl.Md5(0));
        Assert.Equal(sha1.GetHashAndReset(), dl.Sha1(0));
    }
}

/// <summary>
/// A baseline hashed on the multi-buffer path (and, for files of 4 MiB or more, with MD5 on a second thread) equals the
/// one-stream path and the files' real digests.
/// </summary>
[Collection("Syscheck")]
public sealed class DigestLanesScanTests
{
    [Fact]
    public void Multi_buffer_and_one_stream_baselines_record_the_same_digests()
    {
        using var dir = TestPaths.NewTempDir("hids-digestlanes");
        var tree = dir.Combine("tree");
        var sha256Only = dir.Combine("tree/sha256only");
        var md5Only = dir.Combine("tree/md5only");
        var sha1Only = dir.Combine("tree/sha1only");
        Directory.CreateDirectory(sha256Only); Directory.CreateDirectory(md5Only); Directory.CreateDirectory(sha1Only);
        var rnd = new Random(3);
        var sizes = new List<int> { 0, 1, 55, 56, 63, 64, 65, 4095, 65_535, 65_536, 65_537, 131_072, 262_144, 262_145, 300_001, (1 << 20) + 3, (5 << 20) + 7, 8 << 20 };
        for (int i = 0; i < 150; i++) sizes.Add(rnd.Next(1, 20_000));
        var files = new List<string>();
        for (int i = 0; i < sizes.Count; i++)
        {
            var p = Path.Combine(tree, $"d{i % 7}", $"f{i}");
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            var b = new byte[sizes[i]]; rnd.NextBytes(b); File.WriteAllBytes(p, b);
            files.Add(p);
        }
        foreach (var d in new[] { sha256Only, md5Only, sha1Only })
            for (int i = 0; i < 20; i++) { var p = Path.Combine(d, $"s{i}"); var b = new byte[i * 1000 + 1]; rnd.NextBytes(b); File.WriteAllBytes(p, b); files.Add(p); }

        Dictionary<string, BaselineEntry> Baseline(bool lanes)
        {
            var inst = new Hids.Engine.Core.InstancePaths(dir.Combine(lanes ? "inst-lanes" : "inst-one"));
            var o = new Hids.Engine.Configuration.SyscheckOptions { ScanOnStart = false };
            o.Directories.Add(new Hids.Engine.Configuration.DirectoryOptions { Path = tree, CheckAll = true, ReportChanges = true });
            o.Directories.Add(new Hids.Engine.Configuration.DirectoryOptions { Path = sha256Only, CheckSha256Sum = true });
            o.Directories.Add(new Hids.Engine.Configuration.DirectoryOptions { Path = md5Only, CheckMd5Sum = true });
            o.Directories.Add(new Hids.Engine.Configuration.DirectoryOptions { Path = sha1Only, CheckSha1Sum = true });
            using var svc = new SyscheckService(inst, o, _ => { }, Hids.Engine.Core.NullLog.Instance) { Workers = 2, UseDigestLanes = lanes };
            var s = svc.ScanAsync(null, null, CancellationToken.None).GetAwaiter().GetResult();
            Assert.Equal(0, s.Errors);
            using var store = IntegrityOperations.OpenForRead(inst);
            return store.Load();
        }
        var withLanes = Baseline(true);
        var oneStream = Baseline(false);
        foreach (var p in files)
        {
            var bytes = File.ReadAllBytes(p);
            var a = withLanes[p]; var b = oneStream[p];
            bool In(string d) => p.StartsWith(d + "/", StringComparison.Ordinal);
            bool md5 = !In(sha256Only) && !In(sha1Only), sha1 = !In(sha256Only) && !In(md5Only), sha256 = !In(md5Only) && !In(sha1Only);
            Assert.Equal(md5 ? MD5.HashData(bytes) : null, a.Md5);
            Assert.Equal(sha1 ? SHA1.HashData(bytes) : null, a.Sha1);
            Assert.Equal(sha256 ? SHA256.HashData(bytes) : null, a.Sha256);
            Assert.Equal(b.Md5, a.Md5); Assert.Equal(b.Sha1, a.Sha1); Assert.Equal(b.Sha256, a.Sha256);
            Assert.Equal(bytes.Length, a.Size);
        }
    }

    [Fact]
    public void A_file_growing_while_hashed_in_a_lane_is_rehashed_or_marked_unstable()
    {
        using var dir = TestPaths.NewTempDir("hids-md5lanes-grow");
        var tree = dir.Combine("tree");
        Directory.CreateDirectory(tree);
        for (int i = 0; i < 300; i++) File.WriteAllBytes(Path.Combine(tree, $"f{i}"), new byte[1000 + i * 37]);
        var growing = Path.Combine(tree, "growing");
        File.WriteAllBytes(growing, new byte[1 << 20]); // under 4 MiB: hashed in a lane, over several chunks
        var inst = new Hids.Engine.Core.InstancePaths(dir.Combine("inst"));
        var o = new Hids.Engine.Configuration.SyscheckOptions { ScanOnStart = false };
        o.Directories.Add(new Hids.Engine.Configuration.DirectoryOptions { Path = tree, CheckAll = true });
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            using var fs = new FileStream(growing, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            var chunk = new byte[512];
            new Random(5).NextBytes(chunk);
            while (!stop.IsCancellationRequested && fs.Length < (3 << 20)) { fs.Write(chunk); fs.Flush(); Thread.Sleep(1); }
        });
        ScanSummary s;
        using (var svc = new SyscheckService(inst, o, _ => { }, Hids.Engine.Core.NullLog.Instance) { Workers = 2 })
            s = svc.ScanAsync(null, null, CancellationToken.None).GetAwaiter().GetResult();
        stop.Cancel(); writer.GetAwaiter().GetResult();
        Assert.True(s.Completed);
        using var store = IntegrityOperations.OpenForRead(inst);
        var e = store.Get(growing)!;
        if ((e.Flags & BaselineEntry.FlagUnstable) != 0)
            Assert.Contains(s.Problems, p => p.Code == "HIDS3003" && p.File == growing);
        else
        {
            // Append-only: the first e.Size bytes are what was hashed; all three digests describe exactly them.
            var buf = new byte[e.Size];
            using (var fs = File.OpenRead(growing)) fs.ReadExactly(buf);
            Assert.Equal(MD5.HashData(buf), e.Md5);
            Assert.Equal(SHA1.HashData(buf), e.Sha1);
            Assert.Equal(SHA256.HashData(buf), e.Sha256);
        }
    }
}
