"""三比对: the three comparison lists, filtered, each row leading to the child's 一生一档."""

from dashboards import lists

lists.page("三比对", ("out_of_school", "dropout_watch", "poverty_dropouts"), "compare")
