using System.Runtime.InteropServices;

namespace Hids.Engine.Analysis.Matching;

/// <summary>P/Invoke declarations for the system PCRE2 library (8-bit code units, UTF-8).</summary>
internal static unsafe partial class Pcre2Native
{
    private const string Lib = "libpcre2-8.so.0";

    public const uint PCRE2_CASELESS = 0x00000008;
    public const uint PCRE2_UTF = 0x00080000;
    public const uint PCRE2_MATCH_INVALID_UTF = 0x04000000;
    public const uint PCRE2_NO_UTF_CHECK = 0x40000000;
    public const uint PCRE2_NO_JIT = 0x00002000;
    public const uint PCRE2_JIT_COMPLETE = 0x00000001;
    public const uint PCRE2_INFO_CAPTURECOUNT = 4;

    public const int PCRE2_ERROR_NOMATCH = -1;
    public const int PCRE2_ERROR_JIT_STACKLIMIT = -46;
    public const int PCRE2_ERROR_MATCHLIMIT = -47;
    public const int PCRE2_ERROR_DEPTHLIMIT = -52;
    public const int PCRE2_ERROR_HEAPLIMIT = -63;

    [LibraryImport(Lib, EntryPoint = "pcre2_compile_8")]
    public static partial IntPtr Compile(byte* pattern, nuint length, uint options, out int errorCode, out nuint errorOffset, IntPtr compileContext);

    [LibraryImport(Lib, EntryPoint = "pcre2_code_free_8")]
    public static partial void CodeFree(IntPtr code);

    [LibraryImport(Lib, EntryPoint = "pcre2_get_error_message_8")]
    public static partial int GetErrorMessage(int errorCode, byte* buffer, nuint bufferLength);

    [LibraryImport(Lib, EntryPoint = "pcre2_jit_compile_8")]
    public static partial int JitCompile(IntPtr code, uint options);

    [LibraryImport(Lib, EntryPoint = "pcre2_pattern_info_8")]
    public static partial int PatternInfo(IntPtr code, uint what, void* where);

    [LibraryImport(Lib, EntryPoint = "pcre2_match_data_create_8")]
    public static partial IntPtr MatchDataCreate(uint ovectorPairs, IntPtr generalContext);

    [LibraryImport(Lib, EntryPoint = "pcre2_match_data_free_8")]
    public static partial void MatchDataFree(IntPtr matchData);

    [LibraryImport(Lib, EntryPoint = "pcre2_get_ovector_pointer_8")]
    public static partial nuint* GetOvectorPointer(IntPtr matchData);

    [LibraryImport(Lib, EntryPoint = "pcre2_match_8")]
    public static partial int Match(IntPtr code, byte* subject, nuint length, nuint startOffset, uint options, IntPtr matchData, IntPtr matchContext);

    [LibraryImport(Lib, EntryPoint = "pcre2_match_context_create_8")]
    public static partial IntPtr MatchContextCreate(IntPtr generalContext);

    [LibraryImport(Lib, EntryPoint = "pcre2_match_context_free_8")]
    public static partial void MatchContextFree(IntPtr matchContext);

    [LibraryImport(Lib, EntryPoint = "pcre2_set_match_limit_8")]
    public static partial int SetMatchLimit(IntPtr matchContext, uint limit);

    [LibraryImport(Lib, EntryPoint = "pcre2_set_depth_limit_8")]
    public static partial int SetDepthLimit(IntPtr matchContext, uint limit);

    [LibraryImport(Lib, EntryPoint = "pcre2_set_heap_limit_8")]
    public static partial int SetHeapLimit(IntPtr matchContext, uint kibibytes);

    public static string ErrorMessage(int code)
    {
        byte* buf = stackalloc byte[256];
        int n = GetErrorMessage(code, buf, 256);
        return n > 0 ? System.Text.Encoding.UTF8.GetString(buf, n) : $"PCRE2 error {code}";
    }
}
