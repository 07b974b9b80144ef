import Testing
import LineProtocol

@Suite struct EscapeTests {
    @Test func measurementEscapesCommaAndSpace() {
        #expect(onePoint("c\\,pu v=1 0")?.measurement == "c,pu")
        #expect(onePoint("c\\ pu v=1 0")?.measurement == "c pu")
        #expect(onePoint("cpu\\,main,r=e v=1 0")?.measurement == "cpu,main")
    }

    @Test func measurementDoesNotUnescapeEquals() {
        #expect(onePoint("c\\=pu v=1 0")?.measurement == "c\\=pu")
    }

    @Test func tagKeysAndValuesEscapeCommaEqualsSpace() {
        #expect(onePoint("m,a\\,b=c v=1 0")?.tags == tags(("a,b", "c")))
        #expect(onePoint("m,a\\=b=c v=1 0")?.tags == tags(("a=b", "c")))
        #expect(onePoint("m,a\\ b=c v=1 0")?.tags == tags(("a b", "c")))
        #expect(onePoint("m,k=x\\,y v=1 0")?.tags == tags(("k", "x,y")))
        #expect(onePoint("m,k=x\\=y v=1 0")?.tags == tags(("k", "x=y")))
        #expect(onePoint("m,k=x\\ y v=1 0")?.tags == tags(("k", "x y")))
        #expect(onePoint("m,\\ e\\ \\=o=world,server=a x=1 0")?.tags == tags((" e =o", "world"), ("server", "a")))
    }

    @Test func fieldKeysEscapeCommaEqualsSpace() {
        #expect(onePoint("m a\\,b=1 0")?.fields.first?.key == "a,b")
        #expect(onePoint("m a\\=b=1 0")?.fields.first?.key == "a=b")
        #expect(onePoint("m a\\ b=1 0")?.fields.first?.key == "a b")
        #expect(onePoint("m a\\ =1 0")?.fields.first?.key == "a ")
    }

    @Test func otherBackslashesStayLiteral() {
        #expect(onePoint("m,k=a\\tb v=1 0")?.tags == tags(("k", "a\\tb")))
        #expect(onePoint("m,ho\\st=x v=1 0")?.tags == tags(("ho\\st", "x")))
        #expect(onePoint("m \\a=1i 0")?.fields.first?.key == "\\a")
        #expect(onePoint("m\\x v=1 0")?.measurement == "m\\x")
    }

    @Test func doubledBackslashIsNotAnEscapeInKeys() {
        // `\\ ` is a literal backslash followed by an escaped space
        #expect(onePoint("m,host=two\\\\ words v=1 0")?.tags == tags(("host", "two\\ words")))
        #expect(onePoint("m,host=two\\\\\\ words v=1 0")?.tags == tags(("host", "two\\\\ words")))
        #expect(onePoint("m,r=eas\\\\ t v=1 0")?.tags == tags(("r", "eas\\ t")))
    }

    @Test func backslashAtEndOfInputIsLiteral() {
        // the measurement swallows the final backslash; the line still lacks fields
        #expect(rejects("m\\"))
        #expect(rejects("m,k=v\\"))
    }

    @Test func stringFieldEscapesQuoteAndBackslashOnly() {
        #expect(fieldValue("\"a\\\"b\"") == .string("a\"b"))
        #expect(fieldValue("\"a\\\\b\"") == .string("a\\b"))
        #expect(fieldValue("\"test\\\\\"") == .string("test\\"))
        #expect(fieldValue("\"a\\nb\"") == .string("a\\nb"))
        #expect(fieldValue("\"a\\tb\"") == .string("a\\tb"))
        #expect(fieldValue("\"\\r\"") == .string("\\r"))
        #expect(fieldValue("\"x\\,y\"") == .string("x\\,y"))
        #expect(fieldValue("\"back \\\\ then quote \\\" .\"") == .string("back \\ then quote \" ."))
    }

    @Test func stringFieldsKeepSeparatorsAndQuotesOfOtherKinds() {
        #expect(fieldValue("\"a,b c=d\"") == .string("a,b c=d"))
        #expect(fieldValue("\"{Hello\\\"{,}\\\" World}\"") == .string("{Hello\"{,}\" World}"))
        #expect(fieldValue("\"\"") == .string(""))
    }

    @Test func escapedQuoteAtEndDoesNotCloseTheString() {
        #expect(rejects("m v=\"abc\\\""))
        #expect(rejects("m v=\"abc\\\" 0"))
    }
}
