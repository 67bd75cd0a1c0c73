import Testing

@testable import ShareDetection

@Suite("URL unwrapping")
struct UnwrapTests {
    let unwrapper = RuleSet.builtIn().unwrapper

    static let docURL =
        "https://docs.google.com/document/d/1hRtD9xE6H9cJGQaKIXHi_f_HpoRNK4-4-lS1ZwYacXU/edit?usp=sharing"

    static let proofpointV2 =
        "https://urldefense.proofpoint.com/v2/url?u=https-3A__docs.google.com_document_d_"
        + "1hRtD9xE6H9cJGQaKIXHi-5Ff-5FHpoRNK4-2D4-2DlS1ZwYacXU_edit-3Fusp-3Dsharing"
        + "&d=DwMFaQ&c=euGZstcaTDllvimEN8b7jXrwqOf-v5A_CdpgnVfiiMM&r=abc&m=def&s=ghi&e="

    static let safeLinksAroundV2 =
        "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Furldefense.proofpoint.com%2Fv2%2Furl"
        + "%3Fu%3Dhttps-3A__docs.google.com_document_d_1hRtD9xE6H9cJGQaKIXHi-5Ff-5FHpoRNK4-2D4-2DlS1ZwYacXU_edit"
        + "-3Fusp-3Dsharing%26d%3DDwMFaQ%26c%3DeuGZstcaTDllvimEN8b7jXrwqOf-v5A_CdpgnVfiiMM%26r%3Dabc%26m%3Ddef"
        + "%26s%3Dghi%26e%3D&data=05%7C01%7Calice%40northwind.example%7C&sdata=AbC%3D&reserved=0"

    @Test("A plain URL passes through untouched")
    func plainURL() {
        let result = unwrapper.unwrap(Self.docURL)
        #expect(result == UnwrapResult(url: Self.docURL, chain: [], undecodableWrapper: nil))
    }

    @Test("Outlook Safe Links: the url parameter, percent-decoded")
    func safeLinks() {
        let wrapped =
            "https://eur03.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.dropbox.com%2Fscl%2Ffi%2Fabc123%2F"
            + "Q3%2520Pricing.pdf%3Frlkey%3Dk9x%26dl%3D0&data=05%7C01%7C&sdata=xyz%3D&reserved=0"
        let result = unwrapper.unwrap(wrapped)
        #expect(result.url == "https://www.dropbox.com/scl/fi/abc123/Q3%20Pricing.pdf?rlkey=k9x&dl=0")
        #expect(result.chain.map(\.wrapper) == ["outlook-safelinks"])
        #expect(result.chain.first?.from == wrapped)
        #expect(result.undecodableWrapper == nil)
    }

    @Test("Safe Links from an HTML href with &amp; separators")
    func safeLinksWithHTMLEscapes() {
        let wrapped =
            "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fapp.box.com%2Fs%2Fabc123def456"
            + "&amp;data=05%7C01%7C&amp;sdata=xyz&amp;reserved=0"
        #expect(unwrapper.unwrap(wrapped).url == "https://app.box.com/s/abc123def456")
    }

    @Test("Proofpoint v1: u= up to &k=, percent-decoded then HTML-unescaped")
    func proofpointV1() {
        let wrapped =
            "https://urldefense.proofpoint.com/v1/url?u=https%3A%2F%2Fapp.box.com%2Fs%2Fabc123def456%3Fa%3D1%26amp%3Bb%3D2"
            + "&k=abc%3D%0A&r=xyz&m=def&s=ghi"
        let result = unwrapper.unwrap(wrapped)
        #expect(result.url == "https://app.box.com/s/abc123def456?a=1&b=2")
        #expect(result.chain.map(\.wrapper) == ["proofpoint-v1"])
    }

    @Test("Proofpoint v2: '-' for '%', '_' for '/', then percent-decoded")
    func proofpointV2() {
        let result = unwrapper.unwrap(Self.proofpointV2)
        #expect(result.url == Self.docURL)
        #expect(result.chain.map(\.wrapper) == ["proofpoint-v2"])
    }

    @Test("Safe Links around Proofpoint v2 unwraps both, outermost first")
    func safeLinksAroundProofpoint() {
        let result = unwrapper.unwrap(Self.safeLinksAroundV2)
        #expect(result.url == Self.docURL)
        #expect(result.chain.map(\.wrapper) == ["outlook-safelinks", "proofpoint-v2"])
        #expect(result.chain[0].to == Self.proofpointV2)
        #expect(result.chain[1].from == Self.proofpointV2)
        #expect(result.chain[1].to == Self.docURL)
    }

    // Vectors built with Proofpoint's published algorithm (URLDefenseDecode.py 3.0.1): the blob after
    // "__;" is URL-safe base64 of the replaced characters; '*' takes one, '**X' a run (B = 3, C = 4, D = 5).
    @Test(
        "Proofpoint v3 '*' and '**X' substitutions",
        arguments: [
            (
                "https://urldefense.com/v3/__https://docs.google.com/document/d/"
                    + "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ab/edit*usp*sharing**B1__;Pz0meD0!!ABCdef!gHiJkL$",
                "https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ab/edit?usp=sharing&x=1"
            ),
            (
                // Percent-decoding comes first; a '*' takes one character (é is two UTF-8 bytes).
                "https://urldefense.com/v3/__https://www.dropbox.com/scl/fi/abc123/Pr%C3%BCfung*Q3*pdf*rlkey*k9x**C0"
                    + "__;w6kuPz0mZGw9!!XyZ$",
                "https://www.dropbox.com/scl/fi/abc123/PrüfungéQ3.pdf?rlkey=k9x&dl=0"
            ),
            (
                // A run past the end of the blob is cut short, as in the published decoder.
                "https://urldefense.com/v3/__https://example.com/a**Db__;eHl6!!Q$",
                "https://example.com/axyzb"
            ),
            (
                // No substitutions at all.
                "https://urldefense.com/v3/__https://www.loom.com/share/0123456789abcdef0123456789abcdef__;!!G$",
                "https://www.loom.com/share/0123456789abcdef0123456789abcdef"
            ),
        ])
    func proofpointV3(wrapped: String, expected: String) {
        let result = unwrapper.unwrap(wrapped)
        #expect(result.url == expected)
        #expect(result.chain.map(\.wrapper) == ["proofpoint-v3"])
        #expect(result.undecodableWrapper == nil)
    }

    @Test("Proofpoint v3 with a '*' beyond the blob is undecodable, not guessed")
    func proofpointV3ShortBlob() {
        let result = unwrapper.unwrap("https://urldefense.com/v3/__https://example.com/a*b*c__;eA!!Q$")
        #expect(result.undecodableWrapper == "proofpoint-v3")
        #expect(result.chain.isEmpty)
    }

    @Test("Proofpoint v3 run lengths follow the published table")
    func runLengthTable() {
        #expect(proofpointV3RunLengths["A"] == 2)
        #expect(proofpointV3RunLengths["Z"] == 27)
        #expect(proofpointV3RunLengths["a"] == 28)
        #expect(proofpointV3RunLengths["0"] == 54)
        #expect(proofpointV3RunLengths["-"] == 64)
        #expect(proofpointV3RunLengths["_"] == 65)
    }

    @Test(
        "Google redirects (q= and url=)",
        arguments: [
            "https://www.google.com/url?q=https://www.figma.com/file/AbCdEfGhIjKlMnOpQrStUv/Deck&sa=D&ust=1&usg=AOv",
            "https://www.google.com/url?url=https%3A%2F%2Fwww.figma.com%2Ffile%2FAbCdEfGhIjKlMnOpQrStUv%2FDeck&sa=t",
        ])
    func googleRedirect(wrapped: String) {
        let result = unwrapper.unwrap(wrapped)
        #expect(result.url == "https://www.figma.com/file/AbCdEfGhIjKlMnOpQrStUv/Deck")
        #expect(result.chain.map(\.wrapper) == ["google-redirect"])
    }

    @Test("Mimecast is reported as undecodable, never guessed")
    func mimecast() {
        let wrapped = "https://protect-eu.mimecast.com/s/AbCdEfGhIjKlMn?domain=docs.google.com"
        let result = unwrapper.unwrap(wrapped)
        #expect(result == UnwrapResult(url: wrapped, chain: [], undecodableWrapper: "mimecast"))
        let classification = RuleSet.builtIn().classify(wrapped)
        #expect(classification == .undecodableWrapper("mimecast", result))
    }

    @Test("Mimecast inside Safe Links: one step, then reported")
    func mimecastInsideSafeLinks() {
        let wrapped =
            "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fprotect-us.mimecast.com%2Fs%2FAbCd"
            + "&data=05&reserved=0"
        let result = unwrapper.unwrap(wrapped)
        #expect(result.url == "https://protect-us.mimecast.com/s/AbCd")
        #expect(result.chain.map(\.wrapper) == ["outlook-safelinks"])
        #expect(result.undecodableWrapper == "mimecast")
    }

    @Test("A wrapper without its parameter is undecodable")
    func missingParameter() {
        let result = unwrapper.unwrap("https://nam12.safelinks.protection.outlook.com/?data=05&reserved=0")
        #expect(result.undecodableWrapper == "outlook-safelinks")
    }

    @Test("Chains stop at the depth limit and say so")
    func depthLimit() {
        var url = "https://www.loom.com/share/0123456789abcdef0123456789abcdef"
        for _ in 0..<7 {
            url = "https://www.google.com/url?q=" + url.addingPercentEncodingForQuery()
        }
        let result = unwrapper.unwrap(url)
        #expect(result.chain.count == 5)
        #expect(result.depthLimitReached)
        #expect(result.undecodableWrapper == "google-redirect")
        #expect(result.url.hasPrefix("https://www.google.com/url?q="))

        let shallow = URLUnwrapper(rules: unwrapper.rules, maxDepth: 10).unwrap(url)
        #expect(shallow.chain.count == 7)
        #expect(shallow.url == "https://www.loom.com/share/0123456789abcdef0123456789abcdef")
        #expect(!shallow.depthLimitReached)
    }

    @Test("Percent-decoding and HTML unescaping")
    func textTransforms() {
        #expect(wrapperPercentDecode("a%20b%2Fc%zz%4") == "a b/c%zz%4")
        #expect(wrapperPercentDecode("%C3%A9%FF") == "é\u{FFFD}")
        #expect(wrapperHTMLUnescape("a&amp;b&#47;c&#x2F;d&lt;&bogus;&") == "a&b/c/d<&bogus;&")
        #expect(WrapperTransform.proofpointV2.apply("https-3A__x.com_a-5Fb", captures: [:]) == "https%3A//x.com/a%5Fb")
    }
}

extension String {
    /// Percent-encodes everything but unreserved characters, as a query value.
    func addingPercentEncodingForQuery() -> String {
        var out = ""
        for byte in utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.properties.isASCIIHexDigit || ("a"..."z").contains(Character(scalar))
                || ("A"..."Z").contains(Character(scalar)) || "-._~".unicodeScalars.contains(scalar)
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    private func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: Swift.max(0, length - count)) + self
    }
}
