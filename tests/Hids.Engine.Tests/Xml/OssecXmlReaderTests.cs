using Hids.Engine.Xml;

namespace Hids.Engine.Tests.Xml;

public class OssecXmlReaderTests
{
    [Fact]
    public void ReadsSeveralRootsWithPositions()
    {
        var roots = OssecXmlReader.Read("<ossec_config>\n  <global><email_to>a@b</email_to></global>\n</ossec_config>\n<ossec_config><syscheck/></ossec_config>", "x.conf");
        Assert.Equal(2, roots.Count);
        var emailTo = roots[0].Element("global")!.Element("email_to")!;
        Assert.Equal("a@b", emailTo.Text);
        Assert.Equal(2, emailTo.Position.Line);
        Assert.Equal(11, emailTo.Position.Column);
    }

    [Fact]
    public void KeepsEntitiesAndUnescapesBackslashLt()
    {
        var r = OssecXmlReader.Read("<rule><match>a&amp;b \\<script</match></rule>", "r.xml");
        Assert.Equal("a&amp;b <script", r[0].Element("match")!.Text);
    }

    [Fact]
    public void ReportsMismatchedTagWithPositionAndHint()
    {
        var ex = Assert.Throws<OssecXmlException>(() => OssecXmlReader.Read("<a>\n <b>x</c>\n</a>", "f.xml"));
        Assert.Equal(2, ex.Position.Line);
        Assert.Contains("</b>", ex.Hint);
    }
}
