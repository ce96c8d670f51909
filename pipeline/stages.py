"""The seven stage types of a pipeline file, each with the parameters it accepts.

Each stage is its own pydantic model tagged by ``type``, so a typo in a parameter names the
stage it belongs to, and the exported JSON Schema tells an editor exactly which parameters
each type takes. Every model is strict (``"200"`` is not a number) and closed (unknown keys
are reported, not silently ignored). A parameter left out or ``null`` means "the training
code's own default", so the defaults are defined once, in ``training/``.
"""

from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

StageType = Literal["fetch_data", "validate", "preprocess", "train", "evaluate", "register", "deploy"]
STAGE_TYPES: tuple[StageType, ...] = get_args(StageType)
"""Every stage type, in canonical order: data before training, evaluation before deploy."""

GateMetric = Literal["auc", "precision", "recall", "f1"]
"""The metrics ``training.evaluation`` can gate on (a test holds the two lists equal)."""
DeployTarget = Literal["production", "staging"]
"""Registry aliases a deploy stage may move, as `mlops registry promote --stage` (``core.names.STAGES``)."""


class Strict(BaseModel):
    """Base of every model in the file: strict types, and unknown keys reported rather than dropped."""

    model_config = ConfigDict(strict=True, extra="forbid")


def _ordered_range(bounds: list[float]) -> list[float]:
    """A reversed range would flag every value, which reads as bad data rather than a typo."""
    if bounds[0] > bounds[1]:
        raise ValueError(f"the low bound {bounds[0]:g} exceeds the high bound {bounds[1]:g}")
    return bounds


ValueRange = Annotated[list[float], Field(min_length=2, max_length=2), AfterValidator(_ordered_range)]


class FetchDataParams(Strict):
    """Where the labelled transactions come from."""

    transactions: str | None = Field(
        default=None, description="Labelled transactions (parquet); null: the project's own."
    )


class ValidateParams(Strict):
    """The bar the training data must clear before any time is spent on training."""

    min_rows: int | None = Field(default=None, ge=0, description="Fewest rows to train on; null: training's default.")
    max_null_share: float | None = Field(default=None, ge=0, le=1, description="Largest share of nulls per column.")
    ranges: dict[str, ValueRange] = Field(default_factory=dict, description="Column -> [low, high] allowed values.")


class PreprocessParams(Strict):
    """How the point-in-time training set is split for an honest holdout."""

    holdout_share: float | None = Field(
        default=None, gt=0, lt=1, description="Latest share of rows held out for the gate."
    )


class TrainParams(Strict):
    """Overrides of training's LightGBM settings; anything left out keeps its default."""

    num_boost_round: int | None = Field(
        default=None, ge=1, description="LightGBM boosting rounds; null: training's default."
    )
    params: dict[str, bool | int | float | str] = Field(
        default_factory=dict, description="LightGBM parameters merged over training's defaults."
    )


class Gate(Strict):
    """The bar a candidate must clear before any deploy stage may move an alias."""

    metric: GateMetric = Field(description="Holdout metric the gate compares.")
    threshold: float = Field(ge=0, le=1, description="Lowest acceptable value of the metric.")
    compare_to_production: bool = Field(
        default=False, description="Also require production's value minus max_regression."
    )
    max_regression: float = Field(default=0.0, ge=0, le=1, description="How far below production a candidate may fall.")


class EvaluateParams(Strict):
    """The gate that decides whether this candidate may be deployed."""

    gate: Gate | None = Field(default=None, description="Required on an evaluate stage upstream of deploy.")


class RegisterParams(Strict):
    """None: the model, its features and the gate verdict all come from earlier stages."""


class DeployParams(Strict):
    """Which alias the candidate takes once it passes the gate."""

    stage: DeployTarget = Field(default="production", description="The registry alias to move to the new version.")


def _none_as_empty(value: Any) -> Any:
    """``"params": null`` has always meant "no parameters"; keep accepting it."""
    return {} if value is None else value


def _null_is_empty(model: type[Strict]) -> BeforeValidator:
    """Accept ``null`` for a stage's ``params``, and let the exported schema say so."""
    return BeforeValidator(_none_as_empty, json_schema_input_type=model | None)


class StageBase(Strict):
    """What every stage has: its type, an optional name, and what it runs after."""

    type: StageType
    name: str | None = Field(default=None, min_length=1, description="Unique in the pipeline; defaults to the type.")
    depends_on: list[str] | None = Field(
        default=None, description="Stages this one runs after; omitted: the stage listed before (none for the first)."
    )

    @property
    def id(self) -> str:
        """The name other stages' ``depends_on`` refer to."""
        return self.type if self.name is None else self.name


class FetchDataStage(StageBase):
    """Reads the labelled transactions the model learns from."""

    type: Literal["fetch_data"]
    params: Annotated[FetchDataParams, _null_is_empty(FetchDataParams)] = Field(default_factory=FetchDataParams)


class ValidateStage(StageBase):
    """Stops the run, listing every problem, when the training data is unfit."""

    type: Literal["validate"]
    params: Annotated[ValidateParams, _null_is_empty(ValidateParams)] = Field(default_factory=ValidateParams)


class PreprocessStage(StageBase):
    """Joins point-in-time features from Feast and holds out the latest rows."""

    type: Literal["preprocess"]
    params: Annotated[PreprocessParams, _null_is_empty(PreprocessParams)] = Field(default_factory=PreprocessParams)


class TrainStage(StageBase):
    """Fits the LightGBM model on the training rows."""

    type: Literal["train"]
    params: Annotated[TrainParams, _null_is_empty(TrainParams)] = Field(default_factory=TrainParams)


class EvaluateStage(StageBase):
    """Scores the holdout; its gate decides whether deploy may run."""

    type: Literal["evaluate"]
    params: Annotated[EvaluateParams, _null_is_empty(EvaluateParams)] = Field(default_factory=EvaluateParams)


class RegisterStage(StageBase):
    """Records the candidate in MLflow, gate verdict included, pass or fail."""

    type: Literal["register"]
    params: Annotated[RegisterParams, _null_is_empty(RegisterParams)] = Field(default_factory=RegisterParams)


class DeployStage(StageBase):
    """Moves a registry alias to the candidate, only if the gate passed."""

    type: Literal["deploy"]
    params: Annotated[DeployParams, _null_is_empty(DeployParams)] = Field(default_factory=DeployParams)


Stage = Annotated[
    FetchDataStage | ValidateStage | PreprocessStage | TrainStage | EvaluateStage | RegisterStage | DeployStage,
    Field(discriminator="type"),
]
"""One stage of the file; ``type`` picks the model, so errors name the stage's own parameters."""

STAGE_MODELS: dict[str, type[StageBase]] = {
    "fetch_data": FetchDataStage,
    "validate": ValidateStage,
    "preprocess": PreprocessStage,
    "train": TrainStage,
    "evaluate": EvaluateStage,
    "register": RegisterStage,
    "deploy": DeployStage,
}
"""Stage model by type: the validator looks up which parameters a stage knows."""
