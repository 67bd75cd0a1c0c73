import ShareDetection

/// A problem in a team config file, located by file, line, column and key; never contains a secret value. The same
/// type as a rule file's errors (``LocatedError``), from the same YAML reader (``YAMLNodeReader``).
public typealias ConfigError = LocatedError
