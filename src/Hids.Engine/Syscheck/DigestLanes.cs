using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hids.Engine.Syscheck;

/// <summary>
/// Multi-buffer MD5 and SHA-1: 16 (AVX-512) or 8 (AVX2) independent streams computed side by side, one stream per
/// SIMD lane. A single MD5 stream cannot go faster than ~4.5 cycles/byte (each step depends on the previous one), which
/// made MD5 the most expensive part of a md5+sha1+sha256 baseline; running one file per lane gives 8-16 times the
/// throughput. SHA-1 rides along: each block is loaded and transposed once and goes through MD5 and SHA-1 in the same
/// pass, which costs less than SHA-1 on its own with SHA-NI (SHA-256 stays on the one-stream path: SHA-NI does it
/// faster than SIMD lanes can). Each lane owns a slot of <see cref="SlotBytes"/> in one pinned buffer; the caller fills
/// a lane's slot with whole 64-byte blocks (the last chunk of a stream padded by <see cref="Pad"/>), then
/// <see cref="Run"/> advances every active lane until one of them has no blocks left.
/// </summary>
[SkipLocalsInit]
public sealed unsafe class DigestLanes : IDisposable
{
    /// <summary>Lanes on this CPU (0 = no SIMD path: use the one-stream digests).</summary>
    public static int Supported => Avx512F.IsSupported && Avx512BW.IsSupported ? 16 : Avx2.IsSupported ? 8 : 0;

    public readonly int Count;
    public readonly int ChunkBytes;
    public readonly int SlotBytes;
    private readonly byte* _buf;
    private readonly uint* _state;   // MD5 a[Count], b, c, d, then SHA-1 h0[Count] .. h4
    private readonly int* _offset;   // byte offset of each lane's next block from _buf
    private readonly int* _step;     // 64 for an active lane, 0 for an idle one (it hashes its slot's start, ignored)
    // SHA-1 reads the stream's bit length big-endian where MD5's padding wrote it little-endian: the lane's last
    // block (at _last) gets words 14 and 15 replaced by these as it is hashed.
    private readonly uint* _last, _lenHi, _lenLo;
    private readonly int[] _remaining;
    private readonly bool[] _padded, _md5, _sha1;

    public DigestLanes(int chunkBytes = 64 * 1024, int lanes = 0)
    {
        Count = lanes > 0 ? lanes : Supported;
        if (Count != 8 && Count != 16) throw new PlatformNotSupportedException("multi-buffer digests need AVX2 or AVX-512");
        if (Count == 16 && !(Avx512F.IsSupported && Avx512BW.IsSupported) || !Avx2.IsSupported) throw new PlatformNotSupportedException("multi-buffer digests need AVX2 or AVX-512");
        if (chunkBytes <= 0 || (chunkBytes & 63) != 0) throw new ArgumentOutOfRangeException(nameof(chunkBytes), "a multiple of 64");
        ChunkBytes = chunkBytes;
        SlotBytes = chunkBytes + 128; // room for the padding after a short last chunk
        _buf = (byte*)NativeMemory.AlignedAlloc((nuint)(SlotBytes * Count), 64);
        _state = (uint*)NativeMemory.AlignedAlloc((nuint)(4 * 9 * Count), 64);
        _offset = (int*)NativeMemory.AlignedAlloc((nuint)(4 * Count), 64);
        _step = (int*)NativeMemory.AlignedAlloc((nuint)(4 * Count), 64);
        _last = (uint*)NativeMemory.AlignedAlloc((nuint)(4 * Count), 64);
        _lenHi = (uint*)NativeMemory.AlignedAlloc((nuint)(4 * Count), 64);
        _lenLo = (uint*)NativeMemory.AlignedAlloc((nuint)(4 * Count), 64);
        _remaining = new int[Count];
        _padded = new bool[Count];
        _md5 = new bool[Count];
        _sha1 = new bool[Count];
        for (int i = 0; i < Count; i++) { _lenHi[i] = _lenLo[i] = 0; Idle(i); Reset(i, md5: true, sha1: false); }
    }

    /// <summary>The lane's slot, to read the next chunk into (at most <see cref="ChunkBytes"/>).</summary>
    public Span<byte> Slot(int lane) => new(_buf + lane * SlotBytes, ChunkBytes);

    /// <summary>Starts a new stream in the lane, computing the digests asked for.</summary>
    public void Reset(int lane, bool md5 = true, bool sha1 = false)
    {
        _remaining[lane] = 0; _padded[lane] = false; _md5[lane] = md5; _sha1[lane] = sha1;
        _state[lane] = 0x67452301u; _state[Count + lane] = 0xefcdab89u; _state[2 * Count + lane] = 0x98badcfeu; _state[3 * Count + lane] = 0x10325476u;
        var h = _state + 4 * Count;
        h[lane] = 0x67452301u; h[Count + lane] = 0xefcdab89u; h[2 * Count + lane] = 0x98badcfeu; h[3 * Count + lane] = 0x10325476u; h[4 * Count + lane] = 0xc3d2e1f0u;
    }

    /// <summary>Blocks the lane still has to hash from its slot.</summary>
    public int Remaining(int lane) => _remaining[lane];

    /// <summary>The lane's slot holds <paramref name="bytes"/> (a multiple of 64) of its stream.</summary>
    public void Feed(int lane, int bytes)
    {
        if ((bytes & 63) != 0 || bytes <= 0 || bytes > SlotBytes) throw new ArgumentOutOfRangeException(nameof(bytes));
        _offset[lane] = lane * SlotBytes; _step[lane] = 64; _remaining[lane] = bytes / 64; _padded[lane] = false;
        _last[lane] = uint.MaxValue;
    }

    /// <summary>Whether the lane's last fed chunk was the padded end of its stream.</summary>
    public bool LastWasPad(int lane) => _padded[lane];

    /// <summary>
    /// The lane's slot holds the last <paramref name="bytes"/> (less than <see cref="ChunkBytes"/>, any length,
    /// possibly 0) of a stream of <paramref name="totalBytes"/>: appends the padding and length and feeds the result.
    /// </summary>
    public void Pad(int lane, int bytes, long totalBytes)
    {
        if (bytes < 0 || bytes >= SlotBytes - 72) throw new ArgumentOutOfRangeException(nameof(bytes));
        var p = _buf + lane * SlotBytes;
        int padded = (bytes + 8 + 64) & ~63;
        p[bytes] = 0x80;
        new Span<byte>(p + bytes + 1, padded - bytes - 9).Clear();
        ulong bits = (ulong)totalBytes * 8;
        *(ulong*)(p + padded - 8) = bits; // MD5: little-endian bit length (x86)
        Feed(lane, padded);
        _padded[lane] = true;
        _last[lane] = (uint)(lane * SlotBytes + padded - 64);
        _lenHi[lane] = (uint)(bits >> 32); _lenLo[lane] = (uint)bits;
    }

    /// <summary>Marks the lane idle (its state is garbage until the next <see cref="Reset"/>).</summary>
    public void Idle(int lane)
    {
        _step[lane] = 0; _offset[lane] = lane * SlotBytes; _remaining[lane] = 0; _last[lane] = uint.MaxValue;
        _md5[lane] = _sha1[lane] = false;
    }

    /// <summary>The MD5 of the lane's stream (after its padded last chunk went through <see cref="Run"/>).</summary>
    public byte[] Md5(int lane)
    {
        if (!_md5[lane]) throw new InvalidOperationException("the lane was not asked for MD5");
        var d = new byte[16];
        for (int j = 0; j < 4; j++) BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(4 * j), _state[j * Count + lane]);
        return d;
    }

    /// <summary>The SHA-1 of the lane's stream (after its padded last chunk went through <see cref="Run"/>).</summary>
    public byte[] Sha1(int lane)
    {
        if (!_sha1[lane]) throw new InvalidOperationException("the lane was not asked for SHA-1");
        var d = new byte[20];
        for (int j = 0; j < 5; j++) BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4 * j), _state[(4 + j) * Count + lane]);
        return d;
    }

    /// <summary>
    /// Hashes blocks in every lane with blocks left until one of them runs out; returns false if no lane had any.
    /// MD5 and SHA-1 run only if some active lane asked for them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Run()
    {
        int min = int.MaxValue;
        bool md5 = false, sha1 = false;
        for (int i = 0; i < Count; i++)
            if (_step[i] != 0) { if (_remaining[i] < min) min = _remaining[i]; md5 |= _md5[i]; sha1 |= _sha1[i]; }
        if (min == int.MaxValue || min == 0) return false;
        if (Count == 16)
        {
            if (sha1 && md5) Compress<V512, Vector512<uint>, Both>(min);
            else if (sha1) Compress<V512, Vector512<uint>, Sha1Only>(min);
            else Compress<V512, Vector512<uint>, Md5Only>(min);
        }
        else
        {
            if (sha1 && md5) Compress<V256, Vector256<uint>, Both>(min);
            else if (sha1) Compress<V256, Vector256<uint>, Sha1Only>(min);
            else Compress<V256, Vector256<uint>, Md5Only>(min);
        }
        for (int i = 0; i < Count; i++) if (_step[i] != 0) _remaining[i] -= min;
        return true;
    }

    private bool _disposed;

    public void Dispose() { Free(); GC.SuppressFinalize(this); }

    ~DigestLanes() => Free();

    private void Free()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree(_buf); NativeMemory.AlignedFree(_state); NativeMemory.AlignedFree(_offset); NativeMemory.AlignedFree(_step);
        NativeMemory.AlignedFree(_last); NativeMemory.AlignedFree(_lenHi); NativeMemory.AlignedFree(_lenLo);
    }

    private interface IMode { static abstract bool Md5 { get; } static abstract bool Sha1 { get; } }
    private readonly struct Both : IMode { public static bool Md5 => true; public static bool Sha1 => true; }
    private readonly struct Md5Only : IMode { public static bool Md5 => true; public static bool Sha1 => false; }
    private readonly struct Sha1Only : IMode { public static bool Md5 => false; public static bool Sha1 => true; }

    // ---------------- the compression function, generic over the vector width ----------------

    private static readonly Vector128<byte> Swap128 = Vector128.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);

    private interface IVec<TV> where TV : unmanaged
    {
        static abstract int Lanes { get; }
        static abstract TV Load(uint* p);
        static abstract void Store(uint* p, TV v);
        static abstract TV Add(TV x, TV y);
        static abstract TV Const(uint k);
        static abstract TV F(TV x, TV y, TV z);
        static abstract TV G(TV x, TV y, TV z);
        static abstract TV H(TV x, TV y, TV z);
        static abstract TV I(TV x, TV y, TV z);
        static abstract TV Rotl(TV x, [ConstantExpected] byte s);
        /// <summary>SHA-1's majority function.</summary>
        static abstract TV Maj(TV x, TV y, TV z);
        static abstract TV Xor3(TV x, TV y, TV z, TV u);
        /// <summary>Each 32-bit word byte-swapped (SHA-1 reads big-endian words).</summary>
        static abstract TV Bswap(TV x);
        /// <summary>Per lane: <paramref name="yes"/> where x equals y, else <paramref name="no"/>.</summary>
        static abstract TV SelectEq(TV x, TV y, TV yes, TV no);
        /// <summary>Word j of every lane's next block into m[j] (lane l's block starts at b + o[l]).</summary>
        static abstract void Message(byte* b, int* o, TV* m);
    }

    private readonly struct V512 : IVec<Vector512<uint>>
    {
        public static int Lanes => 16;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> Load(uint* p) => Vector512.Load(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(uint* p, Vector512<uint> v) => v.Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> Add(Vector512<uint> x, Vector512<uint> y) => x + y;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> Const(uint k) => Vector512.Create(k);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> F(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0xCA);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> G(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0xE4);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> H(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0x96);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> I(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0x39);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> Rotl(Vector512<uint> x, [ConstantExpected] byte s) => Avx512F.RotateLeft(x, s);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> Maj(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z) => Avx512F.TernaryLogic(x, y, z, 0xE8);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> Bswap(Vector512<uint> x) => Avx512BW.Shuffle(x.AsByte(), Swap512).AsUInt32();
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> SelectEq(Vector512<uint> x, Vector512<uint> y, Vector512<uint> yes, Vector512<uint> no) => Vector512.ConditionalSelect(Vector512.Equals(x, y), yes, no);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> Xor3(Vector512<uint> x, Vector512<uint> y, Vector512<uint> z, Vector512<uint> u) => Avx512F.TernaryLogic(x, y, z, 0x96) ^ u;
        private static readonly Vector512<byte> Swap512 = Vector512.Create(Vector256.Create(Swap128, Swap128), Vector256.Create(Swap128, Swap128));

        /// <summary>Loads the 16 lanes' blocks as rows and transposes the 16x16 matrix of words (no gathers: they are slow).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Message(byte* b, int* o, Vector512<uint>* m)
        {
            // Rows = the lanes' blocks; three shuffle stages transpose the 16x16 matrix of words.
            var r0 = Vector512.Load((uint*)(b + o[0]));
            var r1 = Vector512.Load((uint*)(b + o[1]));
            var r2 = Vector512.Load((uint*)(b + o[2]));
            var r3 = Vector512.Load((uint*)(b + o[3]));
            var r4 = Vector512.Load((uint*)(b + o[4]));
            var r5 = Vector512.Load((uint*)(b + o[5]));
            var r6 = Vector512.Load((uint*)(b + o[6]));
            var r7 = Vector512.Load((uint*)(b + o[7]));
            var r8 = Vector512.Load((uint*)(b + o[8]));
            var r9 = Vector512.Load((uint*)(b + o[9]));
            var r10 = Vector512.Load((uint*)(b + o[10]));
            var r11 = Vector512.Load((uint*)(b + o[11]));
            var r12 = Vector512.Load((uint*)(b + o[12]));
            var r13 = Vector512.Load((uint*)(b + o[13]));
            var r14 = Vector512.Load((uint*)(b + o[14]));
            var r15 = Vector512.Load((uint*)(b + o[15]));
            var t0 = Avx512F.UnpackLow(r0, r1).AsUInt64(); var t1 = Avx512F.UnpackHigh(r0, r1).AsUInt64();
            var t2 = Avx512F.UnpackLow(r2, r3).AsUInt64(); var t3 = Avx512F.UnpackHigh(r2, r3).AsUInt64();
            var t4 = Avx512F.UnpackLow(r4, r5).AsUInt64(); var t5 = Avx512F.UnpackHigh(r4, r5).AsUInt64();
            var t6 = Avx512F.UnpackLow(r6, r7).AsUInt64(); var t7 = Avx512F.UnpackHigh(r6, r7).AsUInt64();
            var t8 = Avx512F.UnpackLow(r8, r9).AsUInt64(); var t9 = Avx512F.UnpackHigh(r8, r9).AsUInt64();
            var t10 = Avx512F.UnpackLow(r10, r11).AsUInt64(); var t11 = Avx512F.UnpackHigh(r10, r11).AsUInt64();
            var t12 = Avx512F.UnpackLow(r12, r13).AsUInt64(); var t13 = Avx512F.UnpackHigh(r12, r13).AsUInt64();
            var t14 = Avx512F.UnpackLow(r14, r15).AsUInt64(); var t15 = Avx512F.UnpackHigh(r14, r15).AsUInt64();
            var u0 = Avx512F.UnpackLow(t0, t2).AsUInt32(); var u1 = Avx512F.UnpackHigh(t0, t2).AsUInt32();
            var u2 = Avx512F.UnpackLow(t1, t3).AsUInt32(); var u3 = Avx512F.UnpackHigh(t1, t3).AsUInt32();
            var u4 = Avx512F.UnpackLow(t4, t6).AsUInt32(); var u5 = Avx512F.UnpackHigh(t4, t6).AsUInt32();
            var u6 = Avx512F.UnpackLow(t5, t7).AsUInt32(); var u7 = Avx512F.UnpackHigh(t5, t7).AsUInt32();
            var u8 = Avx512F.UnpackLow(t8, t10).AsUInt32(); var u9 = Avx512F.UnpackHigh(t8, t10).AsUInt32();
            var u10 = Avx512F.UnpackLow(t9, t11).AsUInt32(); var u11 = Avx512F.UnpackHigh(t9, t11).AsUInt32();
            var u12 = Avx512F.UnpackLow(t12, t14).AsUInt32(); var u13 = Avx512F.UnpackHigh(t12, t14).AsUInt32();
            var u14 = Avx512F.UnpackLow(t13, t15).AsUInt32(); var u15 = Avx512F.UnpackHigh(t13, t15).AsUInt32();
            var v0 = Avx512F.Shuffle4x128(u0, u4, 0x88); var w0 = Avx512F.Shuffle4x128(u8, u12, 0x88);
            var x0 = Avx512F.Shuffle4x128(u0, u4, 0xDD); var y0 = Avx512F.Shuffle4x128(u8, u12, 0xDD);
            m[0] = Avx512F.Shuffle4x128(v0, w0, 0x88); m[8] = Avx512F.Shuffle4x128(v0, w0, 0xDD);
            m[4] = Avx512F.Shuffle4x128(x0, y0, 0x88); m[12] = Avx512F.Shuffle4x128(x0, y0, 0xDD);
            var v1 = Avx512F.Shuffle4x128(u1, u5, 0x88); var w1 = Avx512F.Shuffle4x128(u9, u13, 0x88);
            var x1 = Avx512F.Shuffle4x128(u1, u5, 0xDD); var y1 = Avx512F.Shuffle4x128(u9, u13, 0xDD);
            m[1] = Avx512F.Shuffle4x128(v1, w1, 0x88); m[9] = Avx512F.Shuffle4x128(v1, w1, 0xDD);
            m[5] = Avx512F.Shuffle4x128(x1, y1, 0x88); m[13] = Avx512F.Shuffle4x128(x1, y1, 0xDD);
            var v2 = Avx512F.Shuffle4x128(u2, u6, 0x88); var w2 = Avx512F.Shuffle4x128(u10, u14, 0x88);
            var x2 = Avx512F.Shuffle4x128(u2, u6, 0xDD); var y2 = Avx512F.Shuffle4x128(u10, u14, 0xDD);
            m[2] = Avx512F.Shuffle4x128(v2, w2, 0x88); m[10] = Avx512F.Shuffle4x128(v2, w2, 0xDD);
            m[6] = Avx512F.Shuffle4x128(x2, y2, 0x88); m[14] = Avx512F.Shuffle4x128(x2, y2, 0xDD);
            var v3 = Avx512F.Shuffle4x128(u3, u7, 0x88); var w3 = Avx512F.Shuffle4x128(u11, u15, 0x88);
            var x3 = Avx512F.Shuffle4x128(u3, u7, 0xDD); var y3 = Avx512F.Shuffle4x128(u11, u15, 0xDD);
            m[3] = Avx512F.Shuffle4x128(v3, w3, 0x88); m[11] = Avx512F.Shuffle4x128(v3, w3, 0xDD);
            m[7] = Avx512F.Shuffle4x128(x3, y3, 0x88); m[15] = Avx512F.Shuffle4x128(x3, y3, 0xDD);
        }
    }

#pragma warning disable CA1857 // the shift counts are constants once Compress is specialised and inlined
    private readonly struct V256 : IVec<Vector256<uint>>
    {
        public static int Lanes => 8;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> Load(uint* p) => Vector256.Load(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(uint* p, Vector256<uint> v) => v.Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> Add(Vector256<uint> x, Vector256<uint> y) => x + y;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> Const(uint k) => Vector256.Create(k);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> F(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => z ^ (x & (y ^ z));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> G(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => y ^ (z & (x ^ y));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> H(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => x ^ y ^ z;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> I(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => y ^ (x | ~z);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> Rotl(Vector256<uint> x, [ConstantExpected] byte s) => Avx2.ShiftLeftLogical(x, s) | Avx2.ShiftRightLogical(x, (byte)(32 - s));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> Maj(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) => (x & y) | (z & (x | y));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> Bswap(Vector256<uint> x) => Avx2.Shuffle(x.AsByte(), Swap256).AsUInt32();
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> SelectEq(Vector256<uint> x, Vector256<uint> y, Vector256<uint> yes, Vector256<uint> no) => Vector256.ConditionalSelect(Vector256.Equals(x, y), yes, no);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> Xor3(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z, Vector256<uint> u) => x ^ y ^ z ^ u;
        private static readonly Vector256<byte> Swap256 = Vector256.Create(Swap128, Swap128).AsByte();
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Message(byte* b, int* o, Vector256<uint>* m)
        {
            // Two 8x8 transposes (words 0-7, then 8-15) of the lanes' rows: gathers are slow on many AVX2 CPUs.
            Transpose8(b, o, 0, m);
            Transpose8(b, o, 32, m + 8);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose8(byte* b, int* o, int at, Vector256<uint>* m)
        {
            var r0 = Vector256.Load((uint*)(b + o[0] + at)); var r1 = Vector256.Load((uint*)(b + o[1] + at));
            var r2 = Vector256.Load((uint*)(b + o[2] + at)); var r3 = Vector256.Load((uint*)(b + o[3] + at));
            var r4 = Vector256.Load((uint*)(b + o[4] + at)); var r5 = Vector256.Load((uint*)(b + o[5] + at));
            var r6 = Vector256.Load((uint*)(b + o[6] + at)); var r7 = Vector256.Load((uint*)(b + o[7] + at));
            // words (i, i+1) of row pairs, then (i..i+3) of row quads, per 128-bit half
            var t0 = Avx2.UnpackLow(r0, r1).AsUInt64(); var t1 = Avx2.UnpackHigh(r0, r1).AsUInt64();
            var t2 = Avx2.UnpackLow(r2, r3).AsUInt64(); var t3 = Avx2.UnpackHigh(r2, r3).AsUInt64();
            var t4 = Avx2.UnpackLow(r4, r5).AsUInt64(); var t5 = Avx2.UnpackHigh(r4, r5).AsUInt64();
            var t6 = Avx2.UnpackLow(r6, r7).AsUInt64(); var t7 = Avx2.UnpackHigh(r6, r7).AsUInt64();
            var u0 = Avx2.UnpackLow(t0, t2).AsUInt32(); var u1 = Avx2.UnpackHigh(t0, t2).AsUInt32();
            var u2 = Avx2.UnpackLow(t1, t3).AsUInt32(); var u3 = Avx2.UnpackHigh(t1, t3).AsUInt32();
            var u4 = Avx2.UnpackLow(t4, t6).AsUInt32(); var u5 = Avx2.UnpackHigh(t4, t6).AsUInt32();
            var u6 = Avx2.UnpackLow(t5, t7).AsUInt32(); var u7 = Avx2.UnpackHigh(t5, t7).AsUInt32();
            // u0 = word 0 of rows 0-3 | word 4 of rows 0-3 (and rows 4-7 in u4): join the halves
            m[0] = Avx2.Permute2x128(u0, u4, 0x20); m[4] = Avx2.Permute2x128(u0, u4, 0x31);
            m[1] = Avx2.Permute2x128(u1, u5, 0x20); m[5] = Avx2.Permute2x128(u1, u5, 0x31);
            m[2] = Avx2.Permute2x128(u2, u6, 0x20); m[6] = Avx2.Permute2x128(u2, u6, 0x31);
            m[3] = Avx2.Permute2x128(u3, u7, 0x20); m[7] = Avx2.Permute2x128(u3, u7, 0x31);
        }
    }

#pragma warning restore CA1857

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compress<V, TV, TMode>(int blocks) where V : struct, IVec<TV> where TV : unmanaged where TMode : struct, IMode
    {
        int n = V.Lanes;
        uint* state = _state; byte* buf = _buf;
        TV a = V.Load(state), b = V.Load(state + n), c = V.Load(state + 2 * n), d = V.Load(state + 3 * n);
        TV off = V.Load((uint*)_offset), st = V.Load((uint*)_step);
        TV last = V.Load(_last), lenHi = V.Load(_lenHi), lenLo = V.Load(_lenLo);
        TV* m = stackalloc TV[16];
        TV* w = stackalloc TV[16];
        TV* h = stackalloc TV[5];
        for (int j = 0; j < 5; j++) h[j] = V.Load(state + (4 + j) * n);
        int* o = stackalloc int[16];
        for (int blk = 0; blk < blocks; blk++)
        {
            V.Store((uint*)o, off);
            V.Message(buf, o, m);
            if (TMode.Sha1)
            {
                for (int j = 0; j < 14; j++) w[j] = V.Bswap(m[j]);
                w[14] = V.SelectEq(off, last, lenHi, V.Bswap(m[14]));
                w[15] = V.SelectEq(off, last, lenLo, V.Bswap(m[15]));
                Sha1Block<V, TV>(h, w);
            }
            if (!TMode.Md5) { off = V.Add(off, st); continue; }
            TV m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7];
            TV m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11], m12 = m[12], m13 = m[13], m14 = m[14], m15 = m[15];
            TV aa = a, bb = b, cc = c, dd = d;
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.F(b, c, d)), V.Add(m0, V.Const(0xd76aa478u))), 7));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.F(a, b, c)), V.Add(m1, V.Const(0xe8c7b756u))), 12));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.F(d, a, b)), V.Add(m2, V.Const(0x242070dbu))), 17));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.F(c, d, a)), V.Add(m3, V.Const(0xc1bdceeeu))), 22));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.F(b, c, d)), V.Add(m4, V.Const(0xf57c0fafu))), 7));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.F(a, b, c)), V.Add(m5, V.Const(0x4787c62au))), 12));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.F(d, a, b)), V.Add(m6, V.Const(0xa8304613u))), 17));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.F(c, d, a)), V.Add(m7, V.Const(0xfd469501u))), 22));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.F(b, c, d)), V.Add(m8, V.Const(0x698098d8u))), 7));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.F(a, b, c)), V.Add(m9, V.Const(0x8b44f7afu))), 12));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.F(d, a, b)), V.Add(m10, V.Const(0xffff5bb1u))), 17));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.F(c, d, a)), V.Add(m11, V.Const(0x895cd7beu))), 22));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.F(b, c, d)), V.Add(m12, V.Const(0x6b901122u))), 7));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.F(a, b, c)), V.Add(m13, V.Const(0xfd987193u))), 12));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.F(d, a, b)), V.Add(m14, V.Const(0xa679438eu))), 17));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.F(c, d, a)), V.Add(m15, V.Const(0x49b40821u))), 22));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.G(b, c, d)), V.Add(m1, V.Const(0xf61e2562u))), 5));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.G(a, b, c)), V.Add(m6, V.Const(0xc040b340u))), 9));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.G(d, a, b)), V.Add(m11, V.Const(0x265e5a51u))), 14));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.G(c, d, a)), V.Add(m0, V.Const(0xe9b6c7aau))), 20));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.G(b, c, d)), V.Add(m5, V.Const(0xd62f105du))), 5));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.G(a, b, c)), V.Add(m10, V.Const(0x02441453u))), 9));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.G(d, a, b)), V.Add(m15, V.Const(0xd8a1e681u))), 14));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.G(c, d, a)), V.Add(m4, V.Const(0xe7d3fbc8u))), 20));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.G(b, c, d)), V.Add(m9, V.Const(0x21e1cde6u))), 5));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.G(a, b, c)), V.Add(m14, V.Const(0xc33707d6u))), 9));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.G(d, a, b)), V.Add(m3, V.Const(0xf4d50d87u))), 14));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.G(c, d, a)), V.Add(m8, V.Const(0x455a14edu))), 20));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.G(b, c, d)), V.Add(m13, V.Const(0xa9e3e905u))), 5));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.G(a, b, c)), V.Add(m2, V.Const(0xfcefa3f8u))), 9));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.G(d, a, b)), V.Add(m7, V.Const(0x676f02d9u))), 14));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.G(c, d, a)), V.Add(m12, V.Const(0x8d2a4c8au))), 20));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.H(b, c, d)), V.Add(m5, V.Const(0xfffa3942u))), 4));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.H(a, b, c)), V.Add(m8, V.Const(0x8771f681u))), 11));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.H(d, a, b)), V.Add(m11, V.Const(0x6d9d6122u))), 16));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.H(c, d, a)), V.Add(m14, V.Const(0xfde5380cu))), 23));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.H(b, c, d)), V.Add(m1, V.Const(0xa4beea44u))), 4));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.H(a, b, c)), V.Add(m4, V.Const(0x4bdecfa9u))), 11));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.H(d, a, b)), V.Add(m7, V.Const(0xf6bb4b60u))), 16));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.H(c, d, a)), V.Add(m10, V.Const(0xbebfbc70u))), 23));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.H(b, c, d)), V.Add(m13, V.Const(0x289b7ec6u))), 4));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.H(a, b, c)), V.Add(m0, V.Const(0xeaa127fau))), 11));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.H(d, a, b)), V.Add(m3, V.Const(0xd4ef3085u))), 16));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.H(c, d, a)), V.Add(m6, V.Const(0x04881d05u))), 23));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.H(b, c, d)), V.Add(m9, V.Const(0xd9d4d039u))), 4));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.H(a, b, c)), V.Add(m12, V.Const(0xe6db99e5u))), 11));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.H(d, a, b)), V.Add(m15, V.Const(0x1fa27cf8u))), 16));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.H(c, d, a)), V.Add(m2, V.Const(0xc4ac5665u))), 23));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.I(b, c, d)), V.Add(m0, V.Const(0xf4292244u))), 6));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.I(a, b, c)), V.Add(m7, V.Const(0x432aff97u))), 10));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.I(d, a, b)), V.Add(m14, V.Const(0xab9423a7u))), 15));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.I(c, d, a)), V.Add(m5, V.Const(0xfc93a039u))), 21));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.I(b, c, d)), V.Add(m12, V.Const(0x655b59c3u))), 6));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.I(a, b, c)), V.Add(m3, V.Const(0x8f0ccc92u))), 10));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.I(d, a, b)), V.Add(m10, V.Const(0xffeff47du))), 15));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.I(c, d, a)), V.Add(m1, V.Const(0x85845dd1u))), 21));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.I(b, c, d)), V.Add(m8, V.Const(0x6fa87e4fu))), 6));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.I(a, b, c)), V.Add(m15, V.Const(0xfe2ce6e0u))), 10));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.I(d, a, b)), V.Add(m6, V.Const(0xa3014314u))), 15));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.I(c, d, a)), V.Add(m13, V.Const(0x4e0811a1u))), 21));
            a = V.Add(b, V.Rotl(V.Add(V.Add(a, V.I(b, c, d)), V.Add(m4, V.Const(0xf7537e82u))), 6));
            d = V.Add(a, V.Rotl(V.Add(V.Add(d, V.I(a, b, c)), V.Add(m11, V.Const(0xbd3af235u))), 10));
            c = V.Add(d, V.Rotl(V.Add(V.Add(c, V.I(d, a, b)), V.Add(m2, V.Const(0x2ad7d2bbu))), 15));
            b = V.Add(c, V.Rotl(V.Add(V.Add(b, V.I(c, d, a)), V.Add(m9, V.Const(0xeb86d391u))), 21));
            a = V.Add(a, aa); b = V.Add(b, bb); c = V.Add(c, cc); d = V.Add(d, dd);
            off = V.Add(off, st);
        }
        V.Store(state, a); V.Store(state + n, b); V.Store(state + 2 * n, c); V.Store(state + 3 * n, d);
        for (int j = 0; j < 5; j++) V.Store(state + (4 + j) * n, h[j]);
        V.Store((uint*)_offset, off);
    }

    /// <summary>One SHA-1 block in every lane: h[0..4] the state, w[0..15] the block's big-endian words.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // inlined, Compress would be too big for the JIT to optimise
    private static void Sha1Block<V, TV>(TV* h, TV* w) where V : struct, IVec<TV> where TV : unmanaged
    {
        TV a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        TV k0 = V.Const(0x5a827999u), k1 = V.Const(0x6ed9eba1u), k2 = V.Const(0x8f1bbcdcu), k3 = V.Const(0xca62c1d6u);
        TV w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7];
        TV w8 = w[8], w9 = w[9], w10 = w[10], w11 = w[11], w12 = w[12], w13 = w[13], w14 = w[14], w15 = w[15];
        // Unrolled, the schedule lives in registers: each step is e += rotl5(a) + f(b, c, d) + K + W, b = rotl30(b),
        // and the names rotate (the next step's a is this step's e); W[t] for t >= 16 overwrites W[t - 16].
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.F(b, c, d), V.Add(k0, w0))); b = V.Rotl(b, 30);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.F(a, b, c), V.Add(k0, w1))); a = V.Rotl(a, 30);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.F(e, a, b), V.Add(k0, w2))); e = V.Rotl(e, 30);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.F(d, e, a), V.Add(k0, w3))); d = V.Rotl(d, 30);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.F(c, d, e), V.Add(k0, w4))); c = V.Rotl(c, 30);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.F(b, c, d), V.Add(k0, w5))); b = V.Rotl(b, 30);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.F(a, b, c), V.Add(k0, w6))); a = V.Rotl(a, 30);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.F(e, a, b), V.Add(k0, w7))); e = V.Rotl(e, 30);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.F(d, e, a), V.Add(k0, w8))); d = V.Rotl(d, 30);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.F(c, d, e), V.Add(k0, w9))); c = V.Rotl(c, 30);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.F(b, c, d), V.Add(k0, w10))); b = V.Rotl(b, 30);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.F(a, b, c), V.Add(k0, w11))); a = V.Rotl(a, 30);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.F(e, a, b), V.Add(k0, w12))); e = V.Rotl(e, 30);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.F(d, e, a), V.Add(k0, w13))); d = V.Rotl(d, 30);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.F(c, d, e), V.Add(k0, w14))); c = V.Rotl(c, 30);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.F(b, c, d), V.Add(k0, w15))); b = V.Rotl(b, 30);
        w0 = V.Rotl(V.Xor3(w13, w8, w2, w0), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.F(a, b, c), V.Add(k0, w0))); a = V.Rotl(a, 30);
        w1 = V.Rotl(V.Xor3(w14, w9, w3, w1), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.F(e, a, b), V.Add(k0, w1))); e = V.Rotl(e, 30);
        w2 = V.Rotl(V.Xor3(w15, w10, w4, w2), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.F(d, e, a), V.Add(k0, w2))); d = V.Rotl(d, 30);
        w3 = V.Rotl(V.Xor3(w0, w11, w5, w3), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.F(c, d, e), V.Add(k0, w3))); c = V.Rotl(c, 30);
        w4 = V.Rotl(V.Xor3(w1, w12, w6, w4), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.H(b, c, d), V.Add(k1, w4))); b = V.Rotl(b, 30);
        w5 = V.Rotl(V.Xor3(w2, w13, w7, w5), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.H(a, b, c), V.Add(k1, w5))); a = V.Rotl(a, 30);
        w6 = V.Rotl(V.Xor3(w3, w14, w8, w6), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.H(e, a, b), V.Add(k1, w6))); e = V.Rotl(e, 30);
        w7 = V.Rotl(V.Xor3(w4, w15, w9, w7), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.H(d, e, a), V.Add(k1, w7))); d = V.Rotl(d, 30);
        w8 = V.Rotl(V.Xor3(w5, w0, w10, w8), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.H(c, d, e), V.Add(k1, w8))); c = V.Rotl(c, 30);
        w9 = V.Rotl(V.Xor3(w6, w1, w11, w9), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.H(b, c, d), V.Add(k1, w9))); b = V.Rotl(b, 30);
        w10 = V.Rotl(V.Xor3(w7, w2, w12, w10), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.H(a, b, c), V.Add(k1, w10))); a = V.Rotl(a, 30);
        w11 = V.Rotl(V.Xor3(w8, w3, w13, w11), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.H(e, a, b), V.Add(k1, w11))); e = V.Rotl(e, 30);
        w12 = V.Rotl(V.Xor3(w9, w4, w14, w12), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.H(d, e, a), V.Add(k1, w12))); d = V.Rotl(d, 30);
        w13 = V.Rotl(V.Xor3(w10, w5, w15, w13), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.H(c, d, e), V.Add(k1, w13))); c = V.Rotl(c, 30);
        w14 = V.Rotl(V.Xor3(w11, w6, w0, w14), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.H(b, c, d), V.Add(k1, w14))); b = V.Rotl(b, 30);
        w15 = V.Rotl(V.Xor3(w12, w7, w1, w15), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.H(a, b, c), V.Add(k1, w15))); a = V.Rotl(a, 30);
        w0 = V.Rotl(V.Xor3(w13, w8, w2, w0), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.H(e, a, b), V.Add(k1, w0))); e = V.Rotl(e, 30);
        w1 = V.Rotl(V.Xor3(w14, w9, w3, w1), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.H(d, e, a), V.Add(k1, w1))); d = V.Rotl(d, 30);
        w2 = V.Rotl(V.Xor3(w15, w10, w4, w2), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.H(c, d, e), V.Add(k1, w2))); c = V.Rotl(c, 30);
        w3 = V.Rotl(V.Xor3(w0, w11, w5, w3), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.H(b, c, d), V.Add(k1, w3))); b = V.Rotl(b, 30);
        w4 = V.Rotl(V.Xor3(w1, w12, w6, w4), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.H(a, b, c), V.Add(k1, w4))); a = V.Rotl(a, 30);
        w5 = V.Rotl(V.Xor3(w2, w13, w7, w5), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.H(e, a, b), V.Add(k1, w5))); e = V.Rotl(e, 30);
        w6 = V.Rotl(V.Xor3(w3, w14, w8, w6), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.H(d, e, a), V.Add(k1, w6))); d = V.Rotl(d, 30);
        w7 = V.Rotl(V.Xor3(w4, w15, w9, w7), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.H(c, d, e), V.Add(k1, w7))); c = V.Rotl(c, 30);
        w8 = V.Rotl(V.Xor3(w5, w0, w10, w8), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.Maj(b, c, d), V.Add(k2, w8))); b = V.Rotl(b, 30);
        w9 = V.Rotl(V.Xor3(w6, w1, w11, w9), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.Maj(a, b, c), V.Add(k2, w9))); a = V.Rotl(a, 30);
        w10 = V.Rotl(V.Xor3(w7, w2, w12, w10), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.Maj(e, a, b), V.Add(k2, w10))); e = V.Rotl(e, 30);
        w11 = V.Rotl(V.Xor3(w8, w3, w13, w11), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.Maj(d, e, a), V.Add(k2, w11))); d = V.Rotl(d, 30);
        w12 = V.Rotl(V.Xor3(w9, w4, w14, w12), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.Maj(c, d, e), V.Add(k2, w12))); c = V.Rotl(c, 30);
        w13 = V.Rotl(V.Xor3(w10, w5, w15, w13), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.Maj(b, c, d), V.Add(k2, w13))); b = V.Rotl(b, 30);
        w14 = V.Rotl(V.Xor3(w11, w6, w0, w14), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.Maj(a, b, c), V.Add(k2, w14))); a = V.Rotl(a, 30);
        w15 = V.Rotl(V.Xor3(w12, w7, w1, w15), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.Maj(e, a, b), V.Add(k2, w15))); e = V.Rotl(e, 30);
        w0 = V.Rotl(V.Xor3(w13, w8, w2, w0), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.Maj(d, e, a), V.Add(k2, w0))); d = V.Rotl(d, 30);
        w1 = V.Rotl(V.Xor3(w14, w9, w3, w1), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.Maj(c, d, e), V.Add(k2, w1))); c = V.Rotl(c, 30);
        w2 = V.Rotl(V.Xor3(w15, w10, w4, w2), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.Maj(b, c, d), V.Add(k2, w2))); b = V.Rotl(b, 30);
        w3 = V.Rotl(V.Xor3(w0, w11, w5, w3), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.Maj(a, b, c), V.Add(k2, w3))); a = V.Rotl(a, 30);
        w4 = V.Rotl(V.Xor3(w1, w12, w6, w4), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.Maj(e, a, b), V.Add(k2, w4))); e = V.Rotl(e, 30);
        w5 = V.Rotl(V.Xor3(w2, w13, w7, w5), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.Maj(d, e, a), V.Add(k2, w5))); d = V.Rotl(d, 30);
        w6 = V.Rotl(V.Xor3(w3, w14, w8, w6), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.Maj(c, d, e), V.Add(k2, w6))); c = V.Rotl(c, 30);
        w7 = V.Rotl(V.Xor3(w4, w15, w9, w7), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.Maj(b, c, d), V.Add(k2, w7))); b = V.Rotl(b, 30);
        w8 = V.Rotl(V.Xor3(w5, w0, w10, w8), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.Maj(a, b, c), V.Add(k2, w8))); a = V.Rotl(a, 30);
        w9 = V.Rotl(V.Xor3(w6, w1, w11, w9), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.Maj(e, a, b), V.Add(k2, w9))); e = V.Rotl(e, 30);
        w10 = V.Rotl(V.Xor3(w7, w2, w12, w10), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.Maj(d, e, a), V.Add(k2, w10))); d = V.Rotl(d, 30);
        w11 = V.Rotl(V.Xor3(w8, w3, w13, w11), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.Maj(c, d, e), V.Add(k2, w11))); c = V.Rotl(c, 30);
        w12 = V.Rotl(V.Xor3(w9, w4, w14, w12), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.H(b, c, d), V.Add(k3, w12))); b = V.Rotl(b, 30);
        w13 = V.Rotl(V.Xor3(w10, w5, w15, w13), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.H(a, b, c), V.Add(k3, w13))); a = V.Rotl(a, 30);
        w14 = V.Rotl(V.Xor3(w11, w6, w0, w14), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.H(e, a, b), V.Add(k3, w14))); e = V.Rotl(e, 30);
        w15 = V.Rotl(V.Xor3(w12, w7, w1, w15), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.H(d, e, a), V.Add(k3, w15))); d = V.Rotl(d, 30);
        w0 = V.Rotl(V.Xor3(w13, w8, w2, w0), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.H(c, d, e), V.Add(k3, w0))); c = V.Rotl(c, 30);
        w1 = V.Rotl(V.Xor3(w14, w9, w3, w1), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.H(b, c, d), V.Add(k3, w1))); b = V.Rotl(b, 30);
        w2 = V.Rotl(V.Xor3(w15, w10, w4, w2), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.H(a, b, c), V.Add(k3, w2))); a = V.Rotl(a, 30);
        w3 = V.Rotl(V.Xor3(w0, w11, w5, w3), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.H(e, a, b), V.Add(k3, w3))); e = V.Rotl(e, 30);
        w4 = V.Rotl(V.Xor3(w1, w12, w6, w4), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.H(d, e, a), V.Add(k3, w4))); d = V.Rotl(d, 30);
        w5 = V.Rotl(V.Xor3(w2, w13, w7, w5), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.H(c, d, e), V.Add(k3, w5))); c = V.Rotl(c, 30);
        w6 = V.Rotl(V.Xor3(w3, w14, w8, w6), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.H(b, c, d), V.Add(k3, w6))); b = V.Rotl(b, 30);
        w7 = V.Rotl(V.Xor3(w4, w15, w9, w7), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.H(a, b, c), V.Add(k3, w7))); a = V.Rotl(a, 30);
        w8 = V.Rotl(V.Xor3(w5, w0, w10, w8), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.H(e, a, b), V.Add(k3, w8))); e = V.Rotl(e, 30);
        w9 = V.Rotl(V.Xor3(w6, w1, w11, w9), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.H(d, e, a), V.Add(k3, w9))); d = V.Rotl(d, 30);
        w10 = V.Rotl(V.Xor3(w7, w2, w12, w10), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.H(c, d, e), V.Add(k3, w10))); c = V.Rotl(c, 30);
        w11 = V.Rotl(V.Xor3(w8, w3, w13, w11), 1);
        e = V.Add(V.Add(e, V.Rotl(a, 5)), V.Add(V.H(b, c, d), V.Add(k3, w11))); b = V.Rotl(b, 30);
        w12 = V.Rotl(V.Xor3(w9, w4, w14, w12), 1);
        d = V.Add(V.Add(d, V.Rotl(e, 5)), V.Add(V.H(a, b, c), V.Add(k3, w12))); a = V.Rotl(a, 30);
        w13 = V.Rotl(V.Xor3(w10, w5, w15, w13), 1);
        c = V.Add(V.Add(c, V.Rotl(d, 5)), V.Add(V.H(e, a, b), V.Add(k3, w13))); e = V.Rotl(e, 30);
        w14 = V.Rotl(V.Xor3(w11, w6, w0, w14), 1);
        b = V.Add(V.Add(b, V.Rotl(c, 5)), V.Add(V.H(d, e, a), V.Add(k3, w14))); d = V.Rotl(d, 30);
        w15 = V.Rotl(V.Xor3(w12, w7, w1, w15), 1);
        a = V.Add(V.Add(a, V.Rotl(b, 5)), V.Add(V.H(c, d, e), V.Add(k3, w15))); c = V.Rotl(c, 30);
        h[0] = V.Add(h[0], a); h[1] = V.Add(h[1], b); h[2] = V.Add(h[2], c); h[3] = V.Add(h[3], d); h[4] = V.Add(h[4], e);
    }

}
