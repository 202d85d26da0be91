"""Depth, alias and cost limits (docs/operations/security.md), one validation rule checked before
execution.

One walk over the document measures all three; each fragment is measured once (per page
size), so fragments that spread each other many times cannot make validation slow
(Strawberry's own depth and alias rules re-walk a fragment at every spread: 2ⁿ for a chain
of n fragments that each spread the next twice).

Cost is the number of fields a document may produce: every field counts 1, and a list of
objects multiplies what it holds by its size. The size is the field's ``first``/``last``/
``limit`` argument (a variable counts as the largest page, a left-out argument as its
default, or ``DEFAULT_PAGE`` when that is null); on a connection (a field that is not itself
a list) the argument sizes the lists inside it (``edges``). A list with a list argument
(``nodes(ids:)``, ``importOutcomes(inputs:)``) counts one item per element; any other list
counts what it declares it can return (one per day of its report's period, …) or, when it
declares nothing, ``default_list`` items (``list_sizes``). Introspection is costed like any
list, by the schema's size; its aliases count. Depth counts nested fields with a selection,
as Strawberry's ``QueryDepthLimiter`` does (introspection excepted).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
)

from hindsight.schema import list_sizes
from hindsight.settings import Settings

SIZE_ARGUMENTS = ("first", "last", "limit")
DEFAULT_PAGE = 50  # what a connection serves when its size argument is left out or null


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int
    largest_page: int  # what a variable first/limit counts
    default_list: int  # what a list without a size argument counts

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_cost=settings.max_query_cost,
            largest_page=settings.max_page_size,
            default_list=settings.default_list_size,
        )


@dataclass(frozen=True)
class Measure:
    cost: int = 0
    aliases: int = 0
    depth: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            self.cost + other.cost, self.aliases + other.aliases, max(self.depth, other.depth)
        )


@dataclass(frozen=True)
class Sizes:
    """What the enclosing fields say about the lists below: a connection's page size, the
    days of a report's period."""

    page: int | None = None
    days: int | None = None


class Walk:
    """Measures one document against one schema."""

    def __init__(self, context: ValidationContext, limits: Limits) -> None:
        self.context, self.limits = context, limits
        self.fragments: dict[tuple[str, Sizes], Measure] = {}
        self.open: set[str] = set()  # fragments being measured: a cycle adds nothing

    def operation(self, node: OperationDefinitionNode) -> Measure:
        root = self.context.schema.get_root_type(node.operation)
        return self.selections(node.selection_set, root, Sizes())

    def selections(
        self, node: SelectionSetNode, parent: GraphQLType | None, sizes: Sizes
    ) -> Measure:
        total = Measure()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, sizes)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.context.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, inner, sizes)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value, sizes)
        return total

    def spread(self, name: str, sizes: Sizes) -> Measure:
        fragment = self.context.get_fragment(name)
        if fragment is None or name in self.open:
            return Measure()
        if (name, sizes) not in self.fragments:
            self.open.add(name)
            parent = self.context.schema.get_type(fragment.type_condition.name.value)
            self.fragments[name, sizes] = self.selections(fragment.selection_set, parent, sizes)
            self.open.discard(name)
        return self.fragments[name, sizes]

    def field(self, node: FieldNode, parent: GraphQLType | None, sizes: Sizes) -> Measure:
        alias = 1 if node.alias else 0
        if node.selection_set is None:
            return Measure(1, alias, 0)
        name = node.name.value
        definition = _definition(parent, name) or list_sizes.INTROSPECTION.get(name)
        if definition is None:  # unknown: another rule reports it
            inner = self.selections(node.selection_set, None, Sizes())
            return Measure(1, alias + inner.aliases, 1 + inner.depth)
        given = {a.name.value: a.value for a in node.arguments or ()}
        days = list_sizes.period_days(definition, given)
        inner_sizes = Sizes(days=sizes.days if days is None else days)
        is_list = isinstance(_nullable(definition.type), GraphQLList)
        size, inner_type = self.size(given, definition, is_list), get_named_type(definition.type)
        if is_list:
            counts = (size, sizes.page, self.items(parent, name, definition, inner_sizes.days))
            count = next(n for n in counts if n is not None)
            inner = self.selections(node.selection_set, inner_type, inner_sizes)
        else:  # a connection's size argument sizes the lists inside it
            inner_sizes = Sizes(size, inner_sizes.days)
            count, inner = 1, self.selections(node.selection_set, inner_type, inner_sizes)
        depth = 0 if name.startswith("__") else 1 + inner.depth  # as QueryDepthLimiter
        return Measure(count * (1 + inner.cost), alias + inner.aliases, depth)

    def items(
        self, parent: GraphQLType | None, name: str, definition: GraphQLField, days: int | None
    ) -> int:
        """A list without a size argument: what it declares, an introspection list by the
        schema's size, else ``default_list``."""
        declared = list_sizes.declared(definition, days)
        if declared is not None:
            return declared
        introspection = list_sizes.introspection_sizes(self.context.schema)
        key = (getattr(parent, "name", ""), name)
        return introspection.get(key, self.limits.default_list)

    def size(
        self, given: dict[str, ValueNode], definition: GraphQLField, is_list: bool
    ) -> int | None:
        """``first``/``last``/``limit`` as given, or its default (``DEFAULT_PAGE`` on a paged
        field whose default is null); a list with ids or items as an argument, their count."""
        for name in SIZE_ARGUMENTS:
            if (value := _size(given.get(name), self.limits.largest_page)) is not None:
                return value
        sizes = [name for name in SIZE_ARGUMENTS if name in definition.args]
        if sizes:
            default = definition.args[sizes[0]].default_value
            return default if isinstance(default, int) else DEFAULT_PAGE
        if is_list:  # nodes(ids: […]), importOutcomes(inputs: […]): one item per element
            counts = [_count(value, self.limits.largest_page) for value in given.values()]
            return max((n for n in counts if n is not None), default=None)
        return None


def _size(value: ValueNode | None, largest_page: int) -> int | None:
    if isinstance(value, IntValueNode):
        return max(int(value.value), 0)
    return largest_page if isinstance(value, VariableNode) else None


def _count(value: ValueNode, largest_page: int) -> int | None:
    if isinstance(value, ListValueNode):
        return len(value.values)
    return largest_page if isinstance(value, VariableNode) else None


def _definition(parent: GraphQLType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _nullable(type_: GraphQLType) -> GraphQLType:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def limits_rule(limits: Limits) -> type[ValidationRule]:
    """The rule class; built once, so Strawberry's validation cache (keyed on the rule
    classes) keeps hitting."""

    class DocumentLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            try:
                errors = _check(context, limits)
            except RecursionError:  # fragments nested hundreds deep
                errors = [GraphQLError("the document nests too deeply to be measured")]
            for error in errors:
                context.report_error(error)

    return DocumentLimits


def _check(context: ValidationContext, limits: Limits) -> list[GraphQLError]:
    walk, total, errors = Walk(context, limits), Measure(), []
    for definition in context.document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            measure = walk.operation(definition)
            if measure.depth > limits.max_depth:
                errors.append(_depth_error(definition, limits.max_depth))
            total += measure
    return errors + _errors(total, limits)


def _depth_error(node: OperationDefinitionNode, max_depth: int) -> GraphQLError:
    name = node.name.value if node.name else "anonymous"
    return GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}", node)


def _errors(total: Measure, limits: Limits) -> list[GraphQLError]:
    errors = []
    if total.aliases > limits.max_aliases:
        errors.append(GraphQLError(f"{total.aliases} aliases found. Allowed: {limits.max_aliases}"))
    if total.cost > limits.max_cost:
        message = (
            f"query cost {total.cost:,} exceeds the limit of {limits.max_cost:,} "
            "(HINDSIGHT_MAX_QUERY_COST): ask for fewer items or fewer fields"
        )
        extensions = {"code": "BAD_USER_INPUT", "cost": total.cost, "maxCost": limits.max_cost}
        errors.append(GraphQLError(message, extensions=extensions))
    return errors
