using System.Text;

namespace Hids.Engine.Xml;

/// <summary>A source position: file, 1-based line and column.</summary>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>An attribute of an <see cref="XNode2"/> with its position.</summary>
public sealed record XAttr(string Name, string Value, SourcePosition Position);

/// <summary>
/// An element read by <see cref="OssecXmlReader"/>. OSSEC's configuration and rule files are not always well-formed
/// XML (several roots, raw '&amp;' and '&lt;' escaped as '\&lt;', no entity decoding), so Hids reads them with its own
/// tolerant reader that keeps positions for diagnostics.
/// </summary>
public sealed class XNode2
{
    public XNode2(string name, SourcePosition position) { Name = name; Position = position; }
    public string Name { get; }
    public SourcePosition Position { get; }
    public List<XAttr> Attributes { get; } = new();
    public List<XNode2> Children { get; } = new();
    /// <summary>The element's own text (child elements excluded), trimmed.</summary>
    public string Text { get; internal set; } = "";
    /// <summary>Position of the first non-blank character of <see cref="Text"/> (or of the element when empty).</summary>
    public SourcePosition TextPosition { get; internal set; }
    public XNode2? Parent { get; internal set; }
    /// <summary>Character offset of the element's '&lt;' in the source text.</summary>
    public int StartOffset { get; internal set; }
    /// <summary>Character offset just after the element's closing '&gt;' (of the end tag, or of a self-closing tag).</summary>
    public int EndOffset { get; internal set; }
    /// <summary>Offset of the first character after the start tag's '&gt;' (equals <see cref="EndOffset"/> when self-closing).</summary>
    public int ContentStart { get; internal set; }
    /// <summary>Offset of the end tag's '&lt;/' (equals <see cref="EndOffset"/> when self-closing).</summary>
    public int ContentEnd { get; internal set; }
    public bool SelfClosing { get; internal set; }
    /// <summary>The element's own text exactly as written (not trimmed): OSSEC keeps the spaces of patterns.</summary>
    public string RawText { get; internal set; } = "";

    public string? Attr(string name) => Attributes.FirstOrDefault(a => a.Name == name)?.Value;
    public XAttr? AttrNode(string name) => Attributes.FirstOrDefault(a => a.Name == name);
    public IEnumerable<XNode2> Elements(string name) => Children.Where(c => c.Name == name);
    public XNode2? Element(string name) => Children.FirstOrDefault(c => c.Name == name);
    public override string ToString() => $"<{Name}> at {Position}";
}

public sealed class OssecXmlException : Exception
{
    public OssecXmlException(string message, SourcePosition position, string? hint = null) : base(message)
    { Position = position; Hint = hint; }
    public SourcePosition Position { get; }
    public string? Hint { get; }
}

/// <summary>Reads OSSEC-flavoured XML into a list of root elements.</summary>
public static class OssecXmlReader
{
    public static IReadOnlyList<XNode2> ReadFile(string path) => Read(File.ReadAllText(path), path);

    public static IReadOnlyList<XNode2> Read(string text, string file)
    {
        var p = new Parser(text, file);
        return p.ParseDocument();
    }

    /// <summary>Like <see cref="Read(string, string)"/>; with <paramref name="skipStrayText"/> text between top-level
    /// elements is ignored, as OSSEC's own reader does (its decoder.xml has log samples left outside comments).</summary>
    public static IReadOnlyList<XNode2> Read(string text, string file, bool skipStrayText)
    {
        var p = new Parser(text, file) { SkipStrayText = skipStrayText };
        return p.ParseDocument();
    }

    private sealed class Parser
    {
        private readonly string _s;
        private readonly string _file;
        private int _i;
        private int _line = 1;
        private int _lineStart;

        public Parser(string s, string file) { _s = s; _file = file; }
        public bool SkipStrayText { get; init; }

        private SourcePosition Here() => new(_file, _line, _i - _lineStart + 1);

        private void Advance(int n = 1)
        {
            for (int k = 0; k < n && _i < _s.Length; k++)
            {
                if (_s[_i] == '\n') { _line++; _lineStart = _i + 1; }
                _i++;
            }
        }

        private bool StartsWith(string t) => string.CompareOrdinal(_s, _i, t, 0, t.Length) == 0;

        private OssecXmlException Error(string msg, string? hint = null) => new(msg, Here(), hint);

        public List<XNode2> ParseDocument()
        {
            var roots = new List<XNode2>();
            while (true)
            {
                SkipMisc(allowText: true);
                if (_i >= _s.Length) break;
                if (_s[_i] == '<' && _i + 1 < _s.Length && _s[_i + 1] == '/')
                    throw Error($"Closing tag without a matching opening tag.", "Remove the stray closing tag or add the opening one.");
                if (_s[_i] == '<') roots.Add(ParseElement(null));
                else Advance();
            }
            return roots;
        }

        // Skips whitespace, comments, <?...?> and <!...> declarations; with allowText also stray text at top level.
        private void SkipMisc(bool allowText)
        {
            while (_i < _s.Length)
            {
                char c = _s[_i];
                if (char.IsWhiteSpace(c)) { Advance(); continue; }
                if (StartsWith("<!--")) { SkipComment(); continue; }
                if (StartsWith("<?")) { var start = Here(); int e = _s.IndexOf("?>", _i + 2, StringComparison.Ordinal); if (e < 0) throw new OssecXmlException("Unterminated processing instruction.", start); Advance(e + 2 - _i); continue; }
                if (StartsWith("<!")) { var start = Here(); int e = _s.IndexOf('>', _i + 2); if (e < 0) throw new OssecXmlException("Unterminated declaration.", start); Advance(e + 1 - _i); continue; }
                if (allowText && c != '<' && SkipStrayText) { Advance(); continue; }
                if (allowText && c != '<')
                {
                    throw Error($"Text outside of any element: '{Snippet()}'.", "Everything in the file must be inside an element; remove the stray text.");
                }
                break;
            }
        }

        private string Snippet()
        {
            int e = _i; while (e < _s.Length && e - _i < 30 && _s[e] != '\n') e++;
            return _s[_i..e];
        }

        private void SkipComment()
        {
            var start = Here();
            int e = _s.IndexOf("-->", _i + 4, StringComparison.Ordinal);
            if (e < 0) throw new OssecXmlException("Unterminated comment: '<!--' without '-->'.", start, "Close the comment with '-->'.");
            Advance(e + 3 - _i);
        }

        private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or ':';

        private string ReadName()
        {
            int st = _i;
            while (_i < _s.Length && IsNameChar(_s[_i])) Advance();
            return _s[st.._i];
        }

        private XNode2 ParseElement(XNode2? parent)
        {
            var pos = Here();
            int startOffset = _i;
            Advance(); // '<'
            var name = ReadName();
            if (name.Length == 0) throw new OssecXmlException("Expected an element name after '<'.", pos, "A literal '<' in a value is written as '\\<' in OSSEC files.");
            var node = new XNode2(name, pos) { Parent = parent, StartOffset = startOffset };
            // attributes
            while (true)
            {
                while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) Advance();
                if (_i >= _s.Length) throw new OssecXmlException($"Unterminated start tag <{name}>.", pos, "Add the missing '>'.");
                if (_s[_i] == '/')
                {
                    Advance();
                    if (_i >= _s.Length || _s[_i] != '>') throw Error($"Expected '>' after '/' in <{name}>.");
                    Advance();
                    node.TextPosition = pos;
                    node.SelfClosing = true;
                    node.EndOffset = node.ContentStart = node.ContentEnd = _i;
                    return node;
                }
                if (_s[_i] == '>') { Advance(); node.ContentStart = _i; break; }
                var apos = Here();
                var an = ReadName();
                if (an.Length == 0) throw Error($"Unexpected character '{_s[_i]}' in <{name}>.", "Attributes are written name=\"value\".");
                while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) Advance();
                if (_i >= _s.Length || _s[_i] != '=') throw new OssecXmlException($"Attribute '{an}' of <{name}> has no value.", apos, $"Write {an}=\"yes\" (or the value it needs).");
                Advance();
                while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) Advance();
                if (_i >= _s.Length || (_s[_i] != '"' && _s[_i] != '\'')) throw new OssecXmlException($"Value of attribute '{an}' of <{name}> is not quoted.", apos, $"Write {an}=\"...\".");
                char q = _s[_i]; Advance();
                int vs = _i;
                int ve = _s.IndexOf(q, _i);
                if (ve < 0) throw new OssecXmlException($"Unterminated value of attribute '{an}'.", apos, "Close the quote.");
                Advance(ve - _i);
                var value = _s[vs..ve];
                Advance();
                if (node.Attributes.Any(a => a.Name == an)) throw new OssecXmlException($"Attribute '{an}' appears twice in <{name}>.", apos, "Keep one of them.");
                node.Attributes.Add(new XAttr(an, value, apos));
            }
            // content
            var text = new StringBuilder();
            SourcePosition? textPos = null;
            while (true)
            {
                if (_i >= _s.Length) throw new OssecXmlException($"Element <{name}> is never closed.", pos, $"Add </{name}>.");
                char c = _s[_i];
                if (c == '\\' && _i + 1 < _s.Length && _s[_i + 1] == '<')
                {
                    // OSSEC: "\<" is an escaped '<' inside values
                    textPos ??= Here();
                    text.Append('<'); Advance(2); continue;
                }
                if (c == '<')
                {
                    if (StartsWith("<!--")) { SkipComment(); continue; }
                    if (StartsWith("<![CDATA["))
                    {
                        int e = _s.IndexOf("]]>", _i, StringComparison.Ordinal);
                        if (e < 0) throw Error("Unterminated CDATA section.");
                        textPos ??= Here();
                        text.Append(_s, _i + 9, e - _i - 9); Advance(e + 3 - _i); continue;
                    }
                    if (_i + 1 < _s.Length && _s[_i + 1] == '/')
                    {
                        var cpos = Here();
                        node.ContentEnd = _i;
                        Advance(2);
                        var cn = ReadName();
                        while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) Advance();
                        if (_i >= _s.Length || _s[_i] != '>') throw new OssecXmlException($"Malformed closing tag </{cn}>.", cpos, "Write it as </name>.");
                        Advance();
                        if (cn != name)
                            throw new OssecXmlException($"Closing tag </{cn}> does not match <{name}> opened at line {pos.Line}, column {pos.Column}.", cpos, $"Close <{name}> with </{name}> before closing </{cn}>.");
                        node.EndOffset = _i;
                        break;
                    }
                    if (_i + 1 < _s.Length && (IsNameChar(_s[_i + 1])))
                    {
                        node.Children.Add(ParseElement(node));
                        continue;
                    }
                    throw Error($"Unescaped '<' in the value of <{name}>.", "Write a literal '<' as '\\<' (OSSEC style).");
                }
                if (!char.IsWhiteSpace(c)) textPos ??= Here();
                text.Append(c);
                Advance();
            }
            node.RawText = text.ToString();
            node.Text = node.RawText.Trim();
            node.TextPosition = textPos ?? pos;
            return node;
        }
    }
}
