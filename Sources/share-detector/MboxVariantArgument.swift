import ArgumentParser
import MailParsing

/// The `--mbox-variant` values.
enum MboxVariantArgument: String, ExpressibleByArgument, CaseIterable {
    case mboxrd, mboxo, raw

    var variant: MboxVariant {
        switch self {
        case .mboxrd: .mboxrd
        case .mboxo: .mboxo
        case .raw: .raw
        }
    }
}
