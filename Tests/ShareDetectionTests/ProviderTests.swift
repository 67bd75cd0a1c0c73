import Testing

@testable import ShareDetection

/// One positive example: the URL, and the canonical id and kind the built-in rules must give it.
struct ProviderCase: Sendable, CustomTestStringConvertible {
    let url: String
    let contentId: String
    let kind: String
    var testDescription: String { url }
}

@Suite("Built-in provider rules")
struct ProviderTests {
    let rules = RuleSet.builtIn()

    static let positives: [ProviderCase] = [
        // Google Docs editors
        .init(
            url: "https://docs.google.com/document/d/1Se36svYE1Uzpppe1HWnEyat_sAGghB3kE285LElJBW4/edit",
            contentId: "gdoc:document:1Se36svYE1Uzpppe1HWnEyat_sAGghB3kE285LElJBW4", kind: "document"),
        .init(
            url: "https://docs.google.com/spreadsheets/d/1T59QwEdNwJFm4TgDFA_NY98gicOm8ABXKvDsSIMz9ag/edit#gid=12",
            contentId: "gdoc:spreadsheet:1T59QwEdNwJFm4TgDFA_NY98gicOm8ABXKvDsSIMz9ag", kind: "spreadsheet"),
        .init(
            url: "https://docs.google.com/presentation/d/11rixKNfIBCdofUpPL2wOuiWJXa40x4I0A1wuTMMv4Uo/edit?usp=sharing",
            contentId: "gdoc:presentation:11rixKNfIBCdofUpPL2wOuiWJXa40x4I0A1wuTMMv4Uo", kind: "presentation"),
        .init(
            url: "https://docs.google.com/forms/d/1FAIpQLSfQcq6638l0yNIQf6GFalMqwTVGFiZqYsaLt7TFGSCtktVDdg/edit",
            contentId: "gdoc:form:1FAIpQLSfQcq6638l0yNIQf6GFalMqwTVGFiZqYsaLt7TFGSCtktVDdg", kind: "form"),
        .init(
            url: "https://docs.google.com/drawings/d/1q4uebud-Nk0l7LepMEdjx0ZWot0cgRdg2ZYSrbJCq6c/edit",
            contentId: "gdoc:drawing:1q4uebud-Nk0l7LepMEdjx0ZWot0cgRdg2ZYSrbJCq6c", kind: "drawing"),
        .init(
            url: "https://docs.google.com/forms/d/e/1FAIpQLSeW7HRyd7AnC-CpDy0wO11PXt6z5fMQSB_F9_tCBgMLooEPBQ/viewform",
            contentId: "gdoc:form:e:1FAIpQLSeW7HRyd7AnC-CpDy0wO11PXt6z5fMQSB_F9_tCBgMLooEPBQ", kind: "form"),
        // Google Drive
        .init(
            url: "https://drive.google.com/file/d/1vU1hK80SZrAKLw7AqsOuZx8kEUafj9jZ/view?usp=sharing",
            contentId: "gdrive:1vU1hK80SZrAKLw7AqsOuZx8kEUafj9jZ", kind: "file"),
        .init(
            url: "https://drive.google.com/open?id=1vU1hK80SZrAKLw7AqsOuZx8kEUafj9jZ&authuser=0",
            contentId: "gdrive:1vU1hK80SZrAKLw7AqsOuZx8kEUafj9jZ", kind: "file"),
        .init(
            url: "https://drive.google.com/uc?export=download&id=1vU1hK80SZrAKLw7AqsOuZx8kEUafj9jZ",
            contentId: "gdrive:1vU1hK80SZrAKLw7AqsOuZx8kEUafj9jZ", kind: "file"),
        .init(
            url: "https://drive.google.com/drive/u/1/folders/1prX-mKX5zyOgX4s0eIkCysGLqNUP6v7v",
            contentId: "gdrive:1prX-mKX5zyOgX4s0eIkCysGLqNUP6v7v", kind: "folder"),
        // Dropbox
        .init(
            url: "https://www.dropbox.com/scl/fi/abc123def456/Q3%20Pricing.pdf?rlkey=k9x8y7&dl=0",
            contentId: "dropbox:fi:abc123def456", kind: "file"),
        .init(
            url: "https://www.dropbox.com/scl/fo/q1w2e3r4t5y6/h?rlkey=zxcv&dl=0",
            contentId: "dropbox:fo:q1w2e3r4t5y6", kind: "folder"),
        .init(
            url: "https://www.dropbox.com/s/xjlxnxkzr3z7s8p/fenrir%20log.txt?dl=1",
            contentId: "dropbox:s:xjlxnxkzr3z7s8p", kind: "file"),
        .init(
            url: "https://www.dropbox.com/sh/a1b2c3d4e5f6g7h/AADxyz123?dl=0",
            contentId: "dropbox:sh:a1b2c3d4e5f6g7h", kind: "folder"),
        .init(
            url: "https://dl.dropboxusercontent.com/s/xjlxnxkzr3z7s8p/fenrir%20log.txt",
            contentId: "dropbox:s:xjlxnxkzr3z7s8p", kind: "file"),
        // Box
        .init(url: "https://app.box.com/s/abc123def456ghi789", contentId: "box:s:abc123def456ghi789", kind: "file"),
        .init(
            url: "https://northwind.app.box.com/s/abc123def456ghi789", contentId: "box:s:abc123def456ghi789",
            kind: "file"),
        .init(url: "https://northwind.app.box.com/v/Q3-Pricing", contentId: "box:v:q3-pricing", kind: "file"),
        .init(url: "https://app.box.com/file/123456789", contentId: "box:file:123456789", kind: "file"),
        .init(url: "https://app.box.com/folder/987654321", contentId: "box:folder:987654321", kind: "folder"),
        // OneDrive personal
        .init(
            url: "https://1drv.ms/u/s!Ap4u4Rte63FqjqQ8zMdwTTBmcd_mnw?e=675gyh",
            contentId: "onedrive:Ap4u4Rte63FqjqQ8zMdwTTBmcd_mnw", kind: "file"),
        .init(
            url: "https://1drv.ms/x/s!AsQNYeB-IEbqjQiUOspbEdXx49o7", contentId: "onedrive:AsQNYeB-IEbqjQiUOspbEdXx49o7",
            kind: "spreadsheet"),
        .init(
            url: "https://onedrive.live.com/redir?resid=5E4BD1C0A0DCF1A2!123&authkey=!AbC",
            contentId: "onedrive:5E4BD1C0A0DCF1A2!123", kind: "file"),
        .init(
            url: "https://onedrive.live.com/?cid=5e4bd1c0a0dcf1a2&id=5e4bd1c0a0dcf1a2%21123",
            contentId: "onedrive:5E4BD1C0A0DCF1A2!123", kind: "file"),
        // SharePoint and OneDrive for Business
        .init(
            url: "https://contoso.sharepoint.com/:x:/g/personal/alice_contoso_com/EZ1aB2cD3eF4gH5iJ6kL7mNo?e=kNrp5D",
            contentId: "spo:contoso:EZ1aB2cD3eF4gH5iJ6kL7mNo", kind: "spreadsheet"),
        .init(
            url: "https://contoso.sharepoint.com/:f:/s/Sales/EsCYEdAbCdEfGhIjKlMnOpQ?e=abc",
            contentId: "spo:contoso:EsCYEdAbCdEfGhIjKlMnOpQ", kind: "folder"),
        .init(
            url: "https://contoso.sharepoint.com/:w:/r/sites/Sales/Shared%20Documents/Q3%20Plan.docx?d=w0a1b&csf=1",
            contentId: "spo:contoso:/sites/sales/shared documents/q3 plan.docx", kind: "document"),
        .init(
            url: "https://contoso.sharepoint.com/sites/Sales/Shared%20Documents/Q3%20Plan.docx",
            contentId: "spo:contoso:/sites/sales/shared documents/q3 plan.docx", kind: "document"),
        .init(
            url: "https://contoso-my.sharepoint.com/personal/alice_contoso_com/Documents/Deck.pptx?web=1",
            contentId: "spo:contoso-my:/personal/alice_contoso_com/documents/deck.pptx", kind: "presentation"),
        .init(
            url: "https://contoso.sharepoint.com/sites/Sales/_layouts/15/Doc.aspx?sourcedoc=%7B1A2B3C4D-1111-2222-3333"
                + "-444455556666%7D&file=Q3.docx&action=default",
            contentId: "spo:contoso:item:1a2b3c4d-1111-2222-3333-444455556666", kind: "document"),
        // DocuSign
        .init(
            url: "https://app.docusign.com/documents/details/3F2A1B4C-5D6E-7F80-9A1B-2C3D4E5F6A7B",
            contentId: "docusign:envelope:3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b", kind: "envelope"),
        .init(
            url: "https://app.docusign.com/documents/details/3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b?view=summary",
            contentId: "docusign:envelope:3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b", kind: "envelope"),
        .init(
            url: "https://powerforms.docusign.net/3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b?env=na3&acct=1",
            contentId: "docusign:powerform:3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b", kind: "form"),
        .init(
            url:
                "https://na2.docusign.net/Member/PowerFormSigning.aspx?PowerFormId=3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b",
            contentId: "docusign:powerform:3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b", kind: "form"),
        // DocSend
        .init(url: "https://docsend.com/view/k2m4n6p8q9r7", contentId: "docsend:link:k2m4n6p8q9r7", kind: "document"),
        .init(
            url: "https://northwind.docsend.com/view/k2m4n6p8q9r7", contentId: "docsend:link:k2m4n6p8q9r7",
            kind: "document"),
        .init(url: "https://docsend.com/view/s/abc123xyz789", contentId: "docsend:space:abc123xyz789", kind: "space"),
        // PandaDoc
        .init(
            url: "https://app.pandadoc.com/document/0123456789abcdef0123456789abcdef01234567",
            contentId: "pandadoc:0123456789abcdef0123456789abcdef01234567", kind: "document"),
        .init(
            url: "https://app.pandadoc.com/a/#/documents/AbCdEfGhIjKlMnOpQrStUv",
            contentId: "pandadoc:AbCdEfGhIjKlMnOpQrStUv",
            kind: "document"),
        .init(url: "https://app.pandadoc.com/s/AbCdEf123456", contentId: "pandadoc:s:AbCdEf123456", kind: "document"),
        // Notion
        .init(
            url: "https://www.notion.so/northwind/Q3-Launch-Plan-0123456789abcdef0123456789abcdef",
            contentId: "notion:01234567-89ab-cdef-0123-456789abcdef", kind: "page"),
        .init(
            url: "https://www.notion.so/0123456789abcdef0123456789abcdef?v=fedcba98765432100123456789abcdef",
            contentId: "notion:01234567-89ab-cdef-0123-456789abcdef", kind: "page"),
        .init(
            url: "https://northwind.notion.site/Q3-Launch-Plan-01234567-89ab-cdef-0123-456789abcdef",
            contentId: "notion:01234567-89ab-cdef-0123-456789abcdef", kind: "page"),
        // Figma
        .init(
            url: "https://www.figma.com/file/AbCdEfGhIjKlMnOpQrStUv/Website-Redesign?node-id=0%3A1",
            contentId: "figma:AbCdEfGhIjKlMnOpQrStUv", kind: "design"),
        .init(
            url: "https://www.figma.com/proto/AbCdEfGhIjKlMnOpQrStUv/Website-Redesign?page-id=0%3A1",
            contentId: "figma:AbCdEfGhIjKlMnOpQrStUv", kind: "prototype"),
        .init(
            url: "https://www.figma.com/board/XyZaBcDeFgHiJkLmNoPqRs/Brainstorm",
            contentId: "figma:XyZaBcDeFgHiJkLmNoPqRs",
            kind: "whiteboard"),
        // Loom
        .init(
            url: "https://www.loom.com/share/0123456789abcdef0123456789abcdef",
            contentId: "loom:0123456789abcdef0123456789abcdef", kind: "video"),
        .init(
            url: "https://www.loom.com/share/Q3-Pricing-Walkthrough-0123456789abcdef0123456789abcdef?sid=1",
            contentId: "loom:0123456789abcdef0123456789abcdef", kind: "video"),
        .init(
            url: "https://www.loom.com/embed/0123456789abcdef0123456789abcdef",
            contentId: "loom:0123456789abcdef0123456789abcdef", kind: "video"),
        // Canva
        .init(url: "https://www.canva.com/design/DAGlbdo33h8/view", contentId: "canva:DAGlbdo33h8", kind: "design"),
        .init(
            url: "https://www.canva.com/design/DAGlbdo33h8/AbCdEf123456_xyz/view?utm_content=DAGlbdo33h8",
            contentId: "canva:DAGlbdo33h8", kind: "design"),
        .init(url: "https://www.canva.com/design/DAGlbdo33h8/edit", contentId: "canva:DAGlbdo33h8", kind: "design"),
        // Adobe Acrobat
        .init(
            url: "https://acrobat.adobe.com/id/urn:aaid:sc:US:2a6f1c44-3f5e-4a5b-9c0d-1e2f3a4b5c6d",
            contentId: "adobe:2a6f1c44-3f5e-4a5b-9c0d-1e2f3a4b5c6d", kind: "pdf"),
        .init(
            url:
                "https://acrobat.adobe.com/id/urn:aaid:sc:VA6C2:2a6f1c44-3f5e-4a5b-9c0d-1e2f3a4b5c6d?viewer%21megaVerb=x",
            contentId: "adobe:2a6f1c44-3f5e-4a5b-9c0d-1e2f3a4b5c6d", kind: "pdf"),
        .init(
            url:
                "https://documentcloud.adobe.com/link/track?uri=urn%3Aaaid%3Ascds%3AUS%3A2a6f1c44-3f5e-4a5b-9c0d-1e2f3a4b5c6d",
            contentId: "adobe:2a6f1c44-3f5e-4a5b-9c0d-1e2f3a4b5c6d", kind: "pdf"),
    ]

    static let negatives: [String] = [
        "https://docs.google.com/", "https://docs.google.com/document/u/0/", "https://support.google.com/docs/answer/1",
        "https://docs.google.com/forms/about/", "https://accounts.google.com/ServiceLogin",
        "https://drive.google.com/", "https://drive.google.com/u/0/settings/storage?hl=fr&utm_medium=web",
        "https://drive.google.com/drive/my-drive", "https://drive.google.com/open?id=root",
        "https://www.dropbox.com/", "https://www.dropbox.com/login",
        "https://help.dropbox.com/share/create-and-view-links",
        "https://www.dropbox.com/plans", "https://www.box.com/pricing", "https://app.box.com/login",
        "https://app.box.com/folder/0", "https://support.box.com/hc/en-us", "https://onedrive.live.com/",
        "https://onedrive.live.com/about/en-us/", "https://1drv.ms/", "https://contoso.sharepoint.com/",
        "https://contoso.sharepoint.com/sites/Sales", "https://contoso.sharepoint.com/sites/Sales/SitePages/Home.aspx",
        "https://www.docusign.com/", "https://support.docusign.com/s/articles", "https://app.docusign.com/home",
        "https://www.docsend.com/", "https://docsend.com/login", "https://www.pandadoc.com/pricing/",
        "https://app.pandadoc.com/login/", "https://www.notion.so/", "https://www.notion.so/pricing",
        "https://www.notion.so/help/guides", "https://www.figma.com/", "https://www.figma.com/pricing/",
        "https://www.figma.com/login", "https://www.loom.com/", "https://www.loom.com/pricing",
        "https://support.loom.com/hc/en-us", "https://www.canva.com/", "https://www.canva.com/pricing/",
        "https://acrobat.adobe.com/", "https://acrobat.adobe.com/us/en/acrobat/pricing.html",
        "https://meet.google.com/abc-defg-hij", "https://github.com/apple/swift", "https://groups.google.com/g/x",
        "mailto:alice@northwind.example", "not a url",
    ]

    @Test("Content URLs give the canonical id and kind", arguments: positives)
    func positive(_ example: ProviderCase) throws {
        let match = try #require(rules.classify(example.url).contentMatch, "no match for \(example.url)")
        #expect(match.contentId == example.contentId)
        #expect(match.kind == example.kind)
        #expect(match.contentProperties["contentType"] == example.kind)
        #expect(match.contentProperties["provider"] == match.provider)
        #expect(match.contentProperties["ruleId"] == match.ruleID)
        #expect(!match.actionName.isEmpty)
        #expect(!match.matchedPattern.isEmpty)
        #expect(match.ruleLocation.hasPrefix("rules/"))
    }

    @Test("Home, help, sign-in and unrelated pages are not content", arguments: negatives)
    func negative(_ url: String) {
        let result = rules.classify(url)
        guard case .notContent(let reason, _) = result else {
            Issue.record("\(url) classified as \(result)")
            return
        }
        #expect(!reason.isEmpty)
    }

    @Test("Every provider family has at least three positive and two negative examples")
    func coverage() {
        let families = [
            "gdoc": "docs.google.com", "gdrive": "drive.google.com", "dropbox": "dropbox.com", "box": "box.com",
            "onedrive": "onedrive", "spo": "sharepoint.com", "docusign": "docusign", "docsend": "docsend.com",
            "pandadoc": "pandadoc.com", "notion": "notion.so", "figma": "figma.com", "loom": "loom.com",
            "canva": "canva.com", "adobe": "adobe.com",
        ]
        for (prefix, host) in families {
            let positives = Self.positives.filter { $0.contentId.hasPrefix(prefix + ":") }
            let negatives = Self.negatives.filter { $0.contains(host) || (host == "onedrive" && $0.contains("1drv")) }
            #expect(positives.count >= 3, "\(prefix): \(positives.count) positive examples")
            #expect(negatives.count >= 2, "\(prefix): \(negatives.count) negative examples")
        }
    }

    @Test(
        "The same document gives the same id across variants and wrappers",
        arguments: [
            [
                "https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit",
                "https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit?usp=sharing",
                "https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/view#heading=h.s3q8",
                "https://docs.google.com/document/u/1/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit",
                "https://docs.google.com/a/northwind.example/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/",
                "https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28",
                "HTTPS://DOCS.GOOGLE.COM:443/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit",
                "https://www.google.com/url?q=https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkE"
                    + "olJPh28/edit&sa=D",
                "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fdocs.google.com%2Fdocument%2Fd%2F1tT"
                    + "YBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28%2Fedit%3Fusp%3Dsharing&data=05%7C01&reserved=0",
                "https://urldefense.com/v3/__https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEol"
                    + "JPh28/edit__;!!ABC$",
            ],
            [
                "https://drive.google.com/file/d/1f4DyxZMzl3yH7KGKXJFZ_iUY_AU9az_K/view",
                "https://drive.google.com/file/d/1f4DyxZMzl3yH7KGKXJFZ_iUY_AU9az_K/view?usp=drive_link",
                "https://drive.google.com/file/u/0/d/1f4DyxZMzl3yH7KGKXJFZ_iUY_AU9az_K/edit",
                "https://drive.google.com/open?id=1f4DyxZMzl3yH7KGKXJFZ_iUY_AU9az_K",
                "https://drive.google.com/uc?id=1f4DyxZMzl3yH7KGKXJFZ_iUY_AU9az_K&export=download",
                "https://docs.google.com/file/d/1f4DyxZMzl3yH7KGKXJFZ_iUY_AU9az_K/edit",
            ],
            [
                "https://www.dropbox.com/scl/fi/abc123def456/Q3%20Pricing.pdf?rlkey=k9x&dl=0",
                "https://www.dropbox.com/scl/fi/abc123def456/Q3%20Pricing.pdf?rlkey=k9x&dl=1",
                "https://dropbox.com/scl/fi/abc123def456/Q3%20Pricing.pdf?rlkey=k9x&raw=1",
                "https://dl.dropboxusercontent.com/scl/fi/abc123def456/Q3%20Pricing.pdf?rlkey=k9x",
            ],
            [
                "https://contoso.sharepoint.com/:w:/r/sites/Sales/Shared%20Documents/Q3%20Plan.docx?d=w0a1b&csf=1&e=x",
                "https://contoso.sharepoint.com/sites/Sales/Shared%20Documents/Q3%20Plan.docx",
                "https://contoso.sharepoint.com/sites/sales/Shared Documents/Q3 Plan.docx?web=1",
            ],
            [
                "https://www.notion.so/northwind/Q3-Launch-Plan-0123456789abcdef0123456789abcdef",
                "https://northwind.notion.site/Q3-Launch-Plan-0123456789abcdef0123456789abcdef?pvs=4",
                "https://www.notion.so/01234567-89ab-cdef-0123-456789abcdef",
            ],
        ])
    func sameIDAcrossVariants(_ urls: [String]) {
        let ids = urls.map { rules.classify($0).contentMatch?.contentId }
        #expect(ids.allSatisfy { $0 != nil }, "\(zip(urls, ids).filter { $0.1 == nil }.map(\.0))")
        #expect(Set(ids).count == 1, "\(ids)")
    }

    @Test("Different documents get different ids")
    func differentDocuments() {
        let a = rules.classify("https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit")
        let b = rules.classify("https://docs.google.com/spreadsheets/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/")
        let c = rules.classify("https://docs.google.com/document/d/1fYKj3BS89aB9drg_DsSq289xSdVQhn1zUJYCj0WuCs0/edit")
        let ids = [a, b, c].map { $0.contentMatch?.contentId }
        #expect(Set(ids).count == 3)
    }

    @Test("contentUrl keeps access keys and drops tracking parameters")
    func contentURL() throws {
        let dropbox = try #require(
            rules.classify(
                "https://WWW.Dropbox.com:443/scl/fi/abc123def456/Q3%20Pricing.pdf?utm_source=mail&rlkey=k9x&dl=0&utm_medium=x"
            ).contentMatch)
        #expect(dropbox.contentUrl == "https://www.dropbox.com/scl/fi/abc123def456/Q3%20Pricing.pdf?rlkey=k9x&dl=0")
        #expect(dropbox.titleFromURL == "Q3 Pricing.pdf")
        #expect(dropbox.actionName == "Document Shared")

        let sharepoint = try #require(
            rules.classify("https://contoso.sharepoint.com/:x:/g/personal/a_b_com/EZ1aB2cD3eF4gH5iJ6kL7mNo?e=kNrp5D")
                .contentMatch)
        #expect(sharepoint.contentUrl.hasSuffix("?e=kNrp5D"))

        let wrapped = try #require(
            rules.classify(
                "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2F1drv.ms%2Fu%2Fs!Ap4u4Rte63FqjqQ8zMd"
                    + "wTTBmcd_mnw%3Fe%3D675gyh&data=05&reserved=0"
            ).contentMatch)
        #expect(wrapped.contentUrl == "https://1drv.ms/u/s!Ap4u4Rte63FqjqQ8zMdwTTBmcd_mnw?e=675gyh")
    }

    @Test(
        "Title hints come from file names in the path",
        arguments: [
            ("https://www.dropbox.com/s/xjlxnxkzr3z7s8p/fenrir%20log.txt?dl=1", "fenrir log.txt"),
            ("https://contoso.sharepoint.com/sites/Sales/Shared%20Documents/Q3%20Plan.docx", "Q3 Plan.docx"),
            ("https://contoso.sharepoint.com/:p:/r/sites/Sales/Shared%20Documents/Deck%201.pptx?d=w1", "Deck 1.pptx"),
            ("https://www.figma.com/file/AbCdEfGhIjKlMnOpQrStUv/Website-Redesign?node-id=0%3A1", "Website Redesign"),
        ])
    func titles(url: String, title: String) {
        #expect(rules.classify(url).contentMatch?.titleFromURL == title)
    }

    @Test("Links without a title in the URL have none")
    func noTitle() {
        let match = rules.classify(
            "https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit")
        #expect(match.contentMatch?.titleFromURL == nil)
        #expect(
            rules.classify("https://www.dropbox.com/scl/fo/q1w2e3r4t5y6/h?rlkey=zxcv").contentMatch?.titleFromURL == nil
        )
    }

    @Test(
        "Action names follow the provider",
        arguments: [
            ("https://app.docusign.com/documents/details/3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b", "Envelope Sent"),
            ("https://www.figma.com/design/AbCdEfGhIjKlMnOpQrStUv/X", "Design Shared"),
            ("https://www.canva.com/design/DAGlbdo33h8/view", "Design Shared"),
            ("https://www.loom.com/share/0123456789abcdef0123456789abcdef", "Video Shared"),
            ("https://app.pandadoc.com/document/0123456789abcdef0123456789abcdef01234567", "Proposal Sent"),
            ("https://drive.google.com/drive/folders/1prX-mKX5zyOgX4s0eIkCysGLqNUP6v7v", "Folder Shared"),
        ])
    func actionNames(url: String, action: String) {
        #expect(rules.classify(url).contentMatch?.actionName == action)
    }

    @Test("Host lookup is by dictionary: exact hosts and registrable suffixes")
    func hostLookup() {
        #expect(rules.providerRules(forHost: "contoso.sharepoint.com").allSatisfy { $0.provider == "SharePoint" })
        #expect(!rules.providerRules(forHost: "a.b.sharepoint.com").isEmpty)
        #expect(rules.providerRules(forHost: "sharepoint.com").isEmpty)
        #expect(rules.providerRules(forHost: "evilsharepoint.com").isEmpty)
        #expect(rules.providerRules(forHost: "DOCS.GOOGLE.COM").map(\.id).contains("google-docs"))
        #expect(rules.providerRules(forHost: "example.com").isEmpty)
    }

    @Test("Suffix hosts are not fooled by look-alike domains")
    func lookAlikes() {
        let urls = [
            "https://docs.google.com.evil.example/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit",
            "https://sharepoint.com.evil.example/:w:/s/x/EsCYEdAbCdEfGhIjKlMnOpQ",
            "https://evil.example/docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit",
        ]
        for url in urls { #expect(rules.classify(url).contentMatch == nil, "\(url)") }
    }
}
