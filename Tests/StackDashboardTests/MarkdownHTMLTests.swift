import Testing
@testable import StackDashboard

/// The chat page's markdown: what credits-mcp and fake-tais answer renders as tables, links and lists, and
/// nothing in an answer can become markup or a script URL.
@Suite struct MarkdownHTMLTests {
    /// credits-mcp's answer to "How many AI credits has my tenant used this month?" as `stackctl chat` prints it.
    static let usageAnswer = """
        **AI credits used by the tenant** for tenant tenant-01, 2026-12-01T00:00:00Z to 2026-12-01T03:10:31Z: **37.12 credits**

        | tenant | credits |
        |---|---:|
        | tenant-01 | 37.12 |

        [Download Excel](http://localhost:34695/download/7K4fv9NMNWO6M-1lrWQEBJKhDBH6dJLGLRa4y40XZyw)
        """

    @Test func creditsMCPsAnswerRendersItsTableAndAWorkingDownloadLink() {
        let html = MarkdownHTML.render(Self.usageAnswer)
        #expect(html.contains("<p><strong>AI credits used by the tenant</strong> for tenant tenant-01, 2026-12-01T00:00:00Z to 2026-12-01T03:10:31Z: <strong>37.12 credits</strong></p>"))
        #expect(html.contains("<table>\n<thead>\n<tr><th>tenant</th><th align=\"right\">credits</th></tr>\n</thead>\n<tbody>\n<tr><td>tenant-01</td><td align=\"right\">37.12</td></tr>\n</tbody>\n</table>"))
        #expect(html.contains("<a href=\"http://localhost:34695/download/7K4fv9NMNWO6M-1lrWQEBJKhDBH6dJLGLRa4y40XZyw\" target=\"_blank\" rel=\"noopener\">Download Excel</a>"))
    }

    @Test func credistMCPsEscapedCellTextReadsAsTheOriginal() {
        // MarkdownReport.escape backslash-escapes `\ | ` * _ ~ [ ] < > &` and the `:` of `://`.
        let markdown = """
            | user | note |
            |---|---|
            | bob\\_smith@x.example | a\\|b \\*not em\\* \\<script\\>alert(1)\\</script\\> \\[x\\](y) http\\://z.example \\& |
            """
        let html = MarkdownHTML.render(markdown)
        #expect(html.contains("<td>bob_smith@x.example</td>"))
        #expect(html.contains("<td>a|b *not em* &lt;script&gt;alert(1)&lt;/script&gt; [x](y) http://z.example &amp;</td>"))
        #expect(!html.contains("<a "))
        #expect(!html.contains("<script"))
    }

    @Test func fakeTAISsHelpTextIsAParagraphAndAListWithToolNamesIntact() {
        let help = """
            I can only answer questions about your tenant's AI-credit usage, with the session's credits tool:
            - totals (get_credit_usage_by_tenant), e.g. "How many credits did we use this month?"
            - breakdowns by user, module, product or skill (get_credit_usage_summary)
            Time ranges I understand: today, yesterday.
            """
        let html = MarkdownHTML.render(help)
        #expect(html.hasPrefix("<p>I can only answer questions about your tenant&#39;s AI-credit usage, with the session&#39;s credits tool:</p>\n<ul>\n"))
        #expect(html.contains("<li>totals (get_credit_usage_by_tenant), e.g. &quot;How many credits did we use this month?&quot;</li>"))
        // The last line is a lazy continuation of the second item.
        #expect(html.contains("<li>breakdowns by user, module, product or skill (get_credit_usage_summary)<br>\nTime ranges I understand: today, yesterday.</li>"))
        #expect(!html.contains("<em>"))
    }

    @Test func emphasisFollowsCommonMarksDelimiterRules() {
        #expect(MarkdownHTML.render("**bold** and *em* and _em_ and __bold__ and ~~gone~~")
            == "<p><strong>bold</strong> and <em>em</em> and <em>em</em> and <strong>bold</strong> and <del>gone</del></p>")
        #expect(MarkdownHTML.render("***both***") == "<p><em><strong>both</strong></em></p>")
        #expect(MarkdownHTML.render("*a **b** c*") == "<p><em>a <strong>b</strong> c</em></p>")
        #expect(MarkdownHTML.render("snake_case_name and 2 * 3 * 4") == "<p>snake_case_name and 2 * 3 * 4</p>")
        #expect(MarkdownHTML.render("**unclosed and *also") == "<p>**unclosed and *also</p>")
        #expect(MarkdownHTML.render("~one tilde~ stays") == "<p>~one tilde~ stays</p>")
    }

    @Test func codeSpansKeepTheirTextLiterally() {
        #expect(MarkdownHTML.render("run `a <b> **c** | d` now") == "<p>run <code>a &lt;b&gt; **c** | d</code> now</p>")
        #expect(MarkdownHTML.render("`` a`b ``") == "<p><code>a`b</code></p>")
        #expect(MarkdownHTML.render("`unclosed") == "<p>`unclosed</p>")
    }

    @Test func linksAllowOnlyHTTPHTTPSAndRelativeDestinations() {
        #expect(MarkdownHTML.render("[a](https://example.com/x?y=1&z=2 \"T\")")
            == "<p><a href=\"https://example.com/x?y=1&amp;z=2\" title=\"T\" target=\"_blank\" rel=\"noopener\">a</a></p>")
        #expect(MarkdownHTML.render("[rel](/dashboard/logs)") == "<p><a href=\"/dashboard/logs\" target=\"_blank\" rel=\"noopener\">rel</a></p>")
        #expect(MarkdownHTML.render("[**b**](<http://x.example/a b>)").contains("<a href=\"http://x.example/a b\"") == false)
        for hostile in ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
                        "vbscript:msgbox(1)", "file:///etc/passwd", "http:evil", "/\\evil.example"] {
            let html = MarkdownHTML.render("[click](\(hostile))")
            #expect(!html.contains("<a "), "\(hostile) became a link: \(html)")
            #expect(html.contains("click"))
            #expect(!html.contains("<script"))
        }
        // A tab inside the destination is no link either (browsers drop tabs: `java\tscript:`).
        #expect(!MarkdownHTML.render("[x](<java\tscript:alert(1)>)").contains("<a "))
        #expect(!MarkdownHTML.render("<javascript:alert(1)>").contains("<a "))
    }

    @Test func linkTextAndAttributesAreEscaped() {
        let html = MarkdownHTML.render("[<img src=x onerror=alert(1)>](https://e.example/\"onmouseover=\"alert(1) \"t\\\"x\")")
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("href=\"https://e.example/&quot;onmouseover=&quot;alert(1)\""))
        #expect(html.contains("title=\"t&quot;x\""))
    }

    @Test func autolinks() {
        #expect(MarkdownHTML.render("<https://example.com/a>")
            == "<p><a href=\"https://example.com/a\" target=\"_blank\" rel=\"noopener\">https://example.com/a</a></p>")
        #expect(MarkdownHTML.render("see https://example.com/a_b. next")
            == "<p>see <a href=\"https://example.com/a_b\" target=\"_blank\" rel=\"noopener\">https://example.com/a_b</a>. next</p>")
        #expect(MarkdownHTML.render("(https://example.com/x)")
            == "<p>(<a href=\"https://example.com/x\" target=\"_blank\" rel=\"noopener\">https://example.com/x</a>)</p>")
    }

    @Test func rawHTMLIsAlwaysEscaped() {
        let html = MarkdownHTML.render("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n&amp; &lt;")
        #expect(html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>&lt;img src=x onerror=alert(1)&gt;</p>\n<p>&amp;amp; &amp;lt;</p>")
    }

    @Test func headingsParagraphsAndLineBreaks() {
        #expect(MarkdownHTML.render("# One\n### Three ###\n####### seven") == "<h1>One</h1>\n<h3>Three</h3>\n<p>####### seven</p>")
        #expect(MarkdownHTML.render("Title\n===\nSub\n---") == "<h1>Title</h1>\n<h2>Sub</h2>")
        #expect(MarkdownHTML.render("a\nb  \nc\\\nd\r\n\r\ne") == "<p>a<br>\nb<br>\nc<br>\nd</p>\n<p>e</p>")
        #expect(MarkdownHTML.render("") == "")
        #expect(MarkdownHTML.render("x\n\n---\n\ny") == "<p>x</p>\n<hr>\n<p>y</p>")
    }

    @Test func listsNumberedNestedAndLoose() {
        #expect(MarkdownHTML.render("3. three\n4. four") == "<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>")
        #expect(MarkdownHTML.render("- a\n  - b\n  - c\n- d")
            == "<ul>\n<li>a\n<ul>\n<li>b</li>\n<li>c</li>\n</ul></li>\n<li>d</li>\n</ul>")
        #expect(MarkdownHTML.render("* a\n\n* b") == "<ul>\n<li><p>a</p></li>\n<li><p>b</p></li>\n</ul>")
        #expect(MarkdownHTML.render("1) one") == "<ol>\n<li>one</li>\n</ol>")
        // A number other than 1 does not interrupt a paragraph.
        #expect(MarkdownHTML.render("in\n2024. was a year") == "<p>in<br>\n2024. was a year</p>")
    }

    @Test func tablesHonourTheAlignmentRowAndPadRows() {
        let html = MarkdownHTML.render("""
            a | b | c | d
            :-- | :-: | --: | ---
            1 | 2
            1 | 2 | 3 | 4 | 5
            """)
        #expect(html.contains("<tr><th align=\"left\">a</th><th align=\"center\">b</th><th align=\"right\">c</th><th>d</th></tr>"))
        #expect(html.contains("<tr><td align=\"left\">1</td><td align=\"center\">2</td><td align=\"right\"></td><td></td></tr>"))
        #expect(html.contains("<tr><td align=\"left\">1</td><td align=\"center\">2</td><td align=\"right\">3</td><td>4</td></tr>"))
        #expect(!html.contains("5"))
        // Header only: no <tbody>.
        #expect(MarkdownHTML.render("| x |\n|---|") == "<div class=\"md-table\"><table>\n<thead>\n<tr><th>x</th></tr>\n</thead>\n</table></div>")
        // A delimiter row with another cell count, or none at all, is no table.
        #expect(!MarkdownHTML.render("| a | b |\n|---|").contains("<table>"))
        #expect(!MarkdownHTML.render("a | b\nc | d").contains("<table>"))
        // A table ends at a blank line; the text after it is a paragraph.
        #expect(MarkdownHTML.render("| a |\n|---|\n| 1 |\n\nafter").hasSuffix("</table></div>\n<p>after</p>"))
        // Cells render inline markdown; `\\|` is an escaped backslash and then a cell boundary.
        #expect(MarkdownHTML.render("| **b** | `c` |\n|---|---|").contains("<th><strong>b</strong></th><th><code>c</code></th>"))
    }

    @Test func fencedCodeAndQuotes() {
        #expect(MarkdownHTML.render("```json\n{\"a\": \"<b>\"}\n```") == "<pre><code class=\"language-json\">{&quot;a&quot;: &quot;&lt;b&gt;&quot;}\n</code></pre>")
        #expect(MarkdownHTML.render("> quoted **text**\n> more") == "<blockquote>\n<p>quoted <strong>text</strong><br>\nmore</p>\n</blockquote>")
    }

    @Test func hostileShapesFinishAndStayInert() {
        // Deep nesting stops at a depth limit instead of recursing without end.
        let deep = String(repeating: ">", count: 5_000) + " x"
        #expect(MarkdownHTML.render(deep).contains("x"))
        let nestedLists = (0..<200).map { String(repeating: "  ", count: $0) + "- item" }.joined(separator: "\n")
        #expect(MarkdownHTML.render(nestedLists).contains("item"))
        // Many unmatched delimiters and brackets.
        let stars = String(repeating: "*a", count: 5_000)
        #expect(!MarkdownHTML.render(stars).isEmpty)
        let brackets = String(repeating: "[", count: 2_000) + "x" + String(repeating: "](", count: 2_000)
        #expect(!MarkdownHTML.render(brackets).contains("<a "))
        let nul = MarkdownHTML.render("a\u{0}b")
        #expect(nul == "<p>a\u{FFFD}b</p>")
    }

    @Test func aQuoteOrBracketFollowedByACombiningMarkIsStillEscaped() {
        // One Swift Character each, but the browser sees the quote or bracket: escaped by scalar, in plain cells
        // (the fast path) and in text with markup alike.
        for text in ["| a |\n|---|\n| x'\u{301} \"\u{301} <\u{338}b |", "*x'\u{301}* \"\u{301} <\u{338}b"] {
            let html = MarkdownHTML.render(text)
            #expect(html.contains("&#39;\u{301}") && html.contains("&quot;\u{301}") && html.contains("&lt;\u{338}"), "\(html)")
            #expect(!html.unicodeScalars.contains("'") && !html.contains("<\u{338}"), "\(html)")
        }
    }
}
