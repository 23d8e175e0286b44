"""Reading and checking a tool file: every problem is reported with its line, or none at all.

The file is parsed into nodes (so every value knows its line), checked against the rules
below, and turned into the canonical definition that is stored with the tool version.
"""

import re
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

KINDS = {
    "supervision_audit": "Supervision audit",
    "supervisee_feedback": "Supervisee feedback",
    "practice_observation": "Practice observation",
    "family_feedback": "Family feedback",
    "case_file_audit": "Case-file audit",
    "dip_sample": "Dip sample",
}
#: Kinds whose questions are all answered yes, partly or no (a dip sample's checklist, so
#: compliance can be counted the same way for every question).
YES_PARTLY_NO_ONLY = {"dip_sample"}

QUESTION_KINDS = {
    "grade": "Grade",
    "yes_partly_no": "Yes, partly or no",
    "agree_scale": "Agree or disagree",
    "single_choice": "One of a list",
    "multiple_choice": "Any of a list",
    "number": "Number",
    "date": "Date",
    "short_text": "Short text",
    "long_text": "Long text",
}
CHOICE_KINDS = {"single_choice", "multiple_choice"}
YES_PARTLY_NO = ["Yes", "Partly", "No"]
AGREE_SCALE = [
    "Strongly agree",
    "Agree",
    "Neither agree nor disagree",
    "Disagree",
    "Strongly disagree",
]

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
TOP_KEYS = {
    "tool",
    "kind",
    "name",
    "version",
    "council",
    "source",
    "description",
    "overall_grade",
    "overall_guidance",
    "sections",
}
SECTION_KEYS = {"key", "title", "guidance", "grade", "questions"}
QUESTION_KEYS = {"key", "label", "kind", "hint", "required", "options"}
#: Keys the stored answers use for section and overall grades.
OVERALL = "overall"
SECTION_GRADE = "section_grade"
OVERALL_GRADE = "overall_grade"
OVERALL_RATIONALE = "overall_rationale"
RESERVED_SECTION_KEYS = {OVERALL}
RESERVED_QUESTION_KEYS = {SECTION_GRADE, OVERALL_GRADE, OVERALL_RATIONALE}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self):
        return f"Line {self.line}: {self.message}"


class ToolFileError(Exception):
    """A tool file with problems; ``problems`` lists every one, by line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("; ".join(str(p) for p in self.problems))


MAX_PROBLEMS = 200
NULL_TAG = "tag:yaml.org,2002:null"
PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:float",
    NULL_TAG,
}
CONTAINER_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


#: Limits for a tool file. The largest starter tool is 18 KB with 11 sections, 53
#: questions and 6 options to a question; a tool nests 7 levels deep (the tool, sections, a
#: section, questions, a question, options, an option).
MAX_FILE_CHARACTERS = 500_000
MAX_DEPTH = 12
MAX_NODES = 50_000
MAX_SECTIONS = 50
MAX_QUESTIONS = 500
MAX_QUESTIONS_PER_SECTION = 200
MAX_OPTIONS = 100


class _TooLarge(yaml.YAMLError):
    """The file passes a limit; raised while composing, before any deeper node is read."""

    def __init__(self, mark, message):
        super().__init__(message)
        self.problem_mark = mark
        self.message = message


class _Loader(yaml.SafeLoader):
    """Plain YAML only: no aliases (which can make a small file enormous), no custom tags.

    PyYAML composes nested nodes by recursion, so a file nested a few hundred levels deep
    exhausts Python's stack: the depth is counted here and refused at MAX_DEPTH instead.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in tool files", event.start_mark
            )
        mark = self.peek_event().start_mark
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooLarge(mark, f"the file has more than {MAX_NODES:,} entries")
        if self._depth >= MAX_DEPTH:
            raise _TooLarge(mark, f"entries are nested more than {MAX_DEPTH} levels deep")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _line(node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Walks the YAML nodes, turning them into Python values and noting problems."""

    def __init__(self):
        self.problems: list[Problem] = []
        self._constructor = _Loader("")

    def problem(self, node, message):
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(_line(node), message))

    def mapping(self, node, where, allowed):
        """key -> (value node, key node) for a mapping node; None if it is not one."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{where} must be a set of 'name: value' lines")
            return None
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == NULL_TAG:
                self.problem(key_node, f"{where}: each entry needs a plain name before the colon")
                continue
            key = key_node.value
            if key in result:
                self.problem(key_node, f"{where}: '{key}' is given twice")
                continue
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.problem(key_node, f"{where}: unknown entry '{key}' (known: {known})")
                continue
            result[key] = value_node
        return result

    def scalar(self, node):
        """The value of a plain entry; None (and a problem) for anything else."""
        if not isinstance(node, ScalarNode):
            if node.tag not in CONTAINER_TAGS:
                self.problem(node, f"'{node.tag}' is not allowed: use plain YAML")
            return None
        if node.tag not in PLAIN_TAGS:
            self.problem(node, f"'{node.tag}' is not allowed: use plain YAML")
            return None
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError):
            self.problem(node, f"'{node.value}' cannot be read")
            return None

    def words(self, node, where, what, max_length=2000):
        """Text exactly as written (so Yes stays Yes, not true); None if it is not text."""
        if not isinstance(node, ScalarNode) or node.tag == NULL_TAG or node.value.strip() == "":
            self.problem(node, f"{where}: {what} must be text")
            return None
        if node.tag not in PLAIN_TAGS:
            self.problem(node, f"'{node.tag}' is not allowed: use plain YAML")
            return None
        value = node.value.strip()
        if len(value) > max_length:
            self.problem(node, f"{where}: {what} must be {max_length} characters or fewer")
            return None
        return value

    def text(self, entries, key, where, node, required=True, max_length=2000):
        value_node = entries.get(key)
        if value_node is None:
            if required:
                self.problem(node, f"{where} needs a {key}")
            return None
        empty = isinstance(value_node, ScalarNode) and (
            value_node.tag == NULL_TAG or not value_node.value.strip()
        )
        if empty and not required:
            return None
        return self.words(value_node, where, key, max_length)

    def boolean(self, entries, key, where):
        value_node = entries.get(key)
        if value_node is None:
            return False
        value = self.scalar(value_node)
        if not isinstance(value, bool):
            self.problem(value_node, f"{where}: {key} must be true or false")
            return False
        return value

    def identifier(self, entries, key, where, node):
        value = self.text(entries, key, where, node)
        if value is not None and not IDENTIFIER.match(value):
            self.problem(
                entries[key],
                f"{where}: {key} '{value}' must be lower-case letters, digits and _ "
                "(starting with a letter)",
            )
            return None
        return value


def parse(text: str, scale_labels: list[str]) -> dict:
    """The canonical definition of a tool file; raises ToolFileError listing every problem."""
    if len(text) > MAX_FILE_CHARACTERS:
        raise ToolFileError(
            [Problem(1, f"the file has more than {MAX_FILE_CHARACTERS:,} characters")]
        )
    try:
        root = yaml.compose(text, Loader=_Loader)
    except _TooLarge as error:
        raise ToolFileError([Problem(error.problem_mark.line + 1, error.message)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(error, "problem", None) or str(error)
        raise ToolFileError([Problem(line, f"this is not valid YAML ({reason})")]) from None
    if root is None:
        raise ToolFileError([Problem(1, "the file is empty")])
    reader = _Reader()
    definition = _tool(reader, root, scale_labels)
    if reader.problems:
        raise ToolFileError(reader.problems)
    return definition


def _tool(r: _Reader, root, scale_labels):
    top = r.mapping(root, "The tool", TOP_KEYS)
    if top is None:
        return None
    tool = {
        "tool": r.identifier(top, "tool", "The tool", root),
        "kind": r.text(top, "kind", "The tool", root),
        "name": r.text(top, "name", "The tool", root, max_length=200),
        "version": None,
        "council": r.text(top, "council", "The tool", root, required=False, max_length=120),
        "source": r.text(top, "source", "The tool", root, required=False),
        "description": r.text(top, "description", "The tool", root, required=False),
        "overall_grade": r.boolean(top, "overall_grade", "The tool"),
        "overall_guidance": r.text(top, "overall_guidance", "The tool", root, required=False),
        "sections": [],
    }
    if tool["kind"] is not None and tool["kind"] not in KINDS:
        r.problem(top["kind"], f"unknown kind '{tool['kind']}' (use one of: {', '.join(KINDS)})")
    version_node = top.get("version")
    if version_node is None:
        r.problem(root, "The tool needs a version (1 for a new tool)")
    else:
        version = r.scalar(version_node)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            r.problem(version_node, "version must be a whole number, 1 or more")
        else:
            tool["version"] = version
    sections_node = top.get("sections")
    if sections_node is None:
        r.problem(root, "The tool needs sections, each with questions")
        return tool
    if not isinstance(sections_node, SequenceNode) or not sections_node.value:
        r.problem(sections_node, "sections must be a list of at least one section")
        return tool
    if len(sections_node.value) > MAX_SECTIONS:
        r.problem(sections_node.value[MAX_SECTIONS], f"a tool has at most {MAX_SECTIONS} sections")
        return tool
    questions = sum(
        len(value.value)
        for section in sections_node.value
        if isinstance(section, MappingNode)
        for key, value in section.value
        if isinstance(key, ScalarNode) and key.value == "questions"
        if isinstance(value, SequenceNode)
    )
    if questions > MAX_QUESTIONS:
        r.problem(
            sections_node,
            f"a tool has at most {MAX_QUESTIONS} questions; this one has {questions:,}",
        )
        return tool
    section_keys: set[str] = set()
    question_keys: set[str] = set()
    for number, node in enumerate(sections_node.value, start=1):
        section = _section(r, node, number, scale_labels, section_keys, question_keys)
        if section:
            tool["sections"].append(section)
    if tool["kind"] in YES_PARTLY_NO_ONLY:
        _yes_partly_no_only(r, tool, sections_node)
    return tool


def _yes_partly_no_only(r: _Reader, tool, sections_node):
    """A dip sample is a checklist: every question yes_partly_no, no grades."""
    label = KINDS[tool["kind"]].lower()
    if tool["overall_grade"]:
        r.problem(sections_node, f"a {label} tool has no overall grade")
    for section_node, section in zip(sections_node.value, tool["sections"], strict=False):
        if section.get("grade"):
            r.problem(section_node, f"Section '{section['key']}': a {label} has no section grades")
        for question in section["questions"]:
            kind = question["kind"]
            if kind in QUESTION_KINDS and kind != "yes_partly_no":
                r.problem(
                    section_node,
                    f"Question '{question['key']}': every question of a {label} is "
                    "yes_partly_no, not " + kind,
                )


def _section(r: _Reader, node, number, scale_labels, section_keys, question_keys):
    where = f"Section {number}"
    entries = r.mapping(node, where, SECTION_KEYS)
    if entries is None:
        return None
    key = r.identifier(entries, "key", where, node)
    if key:
        where = f"Section '{key}'"
        if key in section_keys:
            r.problem(entries["key"], f"section key '{key}' is used twice")
        if key in RESERVED_SECTION_KEYS:
            r.problem(entries["key"], f"section key '{key}' is kept for the overall grade")
        section_keys.add(key)
    section = {
        "key": key,
        "title": r.text(entries, "title", where, node),
        "guidance": _guidance(r, entries.get("guidance"), where, scale_labels),
        "grade": r.boolean(entries, "grade", where),
        "questions": [],
    }
    questions_node = entries.get("questions")
    if questions_node is None or not isinstance(questions_node, SequenceNode):
        r.problem(questions_node or node, f"{where} needs a list of questions")
        return section
    if not questions_node.value and not section["grade"]:
        r.problem(questions_node, f"{where} has no questions")
    if len(questions_node.value) > MAX_QUESTIONS_PER_SECTION:
        r.problem(
            questions_node.value[MAX_QUESTIONS_PER_SECTION],
            f"{where} has more than {MAX_QUESTIONS_PER_SECTION} questions: split it",
        )
        return section
    for q_number, q_node in enumerate(questions_node.value, start=1):
        question = _question(r, q_node, f"{where}, question {q_number}", question_keys)
        if question:
            section["questions"].append(question)
    return section


def _guidance(r: _Reader, node, where, scale_labels):
    if node is None or isinstance(node, ScalarNode) and node.tag == NULL_TAG:
        return None
    if isinstance(node, ScalarNode):
        return r.words(node, where, "guidance", 5000)
    entries = r.mapping(node, f"{where} guidance", set(scale_labels))
    if entries is None:
        return None
    return {
        label: r.words(value, f"{where} guidance", label, 5000) for label, value in entries.items()
    }


def _question(r: _Reader, node, where, question_keys):
    entries = r.mapping(node, where, QUESTION_KEYS)
    if entries is None:
        return None
    key = r.identifier(entries, "key", where, node)
    if key:
        where = f"Question '{key}'"
        if key in question_keys:
            r.problem(entries["key"], f"question key '{key}' is used twice in the tool")
        if key in RESERVED_QUESTION_KEYS:
            r.problem(entries["key"], f"question key '{key}' is kept for grades: choose another")
        question_keys.add(key)
    kind = r.text(entries, "kind", where, node)
    if kind is not None and kind not in QUESTION_KINDS:
        r.problem(
            entries["kind"],
            f"{where}: unknown question kind '{kind}' (use one of: {', '.join(QUESTION_KINDS)})",
        )
    question = {
        "key": key,
        "label": r.text(entries, "label", where, node),
        "kind": kind,
        "hint": r.text(entries, "hint", where, node, required=False),
        "required": r.boolean(entries, "required", where),
        "options": [],
    }
    options_node = entries.get("options")
    if kind in CHOICE_KINDS:
        if options_node is None:
            r.problem(node, f"{where}: a {kind} question needs options")
        elif not isinstance(options_node, SequenceNode) or len(options_node.value) < 2:
            r.problem(options_node, f"{where}: options must be a list of at least two")
        elif len(options_node.value) > MAX_OPTIONS:
            r.problem(
                options_node.value[MAX_OPTIONS], f"{where}: give at most {MAX_OPTIONS} options"
            )
        else:
            seen = set()
            for option_node in options_node.value:
                option = r.words(option_node, where, "each option", 200)
                if option is None:
                    continue
                if option in seen:
                    r.problem(option_node, f"{where}: option '{option}' is given twice")
                seen.add(option)
                question["options"].append(option)
    elif options_node is not None and kind in QUESTION_KINDS:
        r.problem(options_node, f"{where}: only choice questions have options, not {kind}")
    return question
