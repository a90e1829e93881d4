"""What the demo course's people are called and what they say: names, weekly topics, chat
lines, office-hours questions and goals (used by :mod:`.plan`)."""

from __future__ import annotations

from dataclasses import dataclass

COURSE = "Data 100"

_FIRST_NAMES = """
    Amara Ben Chloé Dmitri Elena Farid Grace Hiro Ines Jonas Keiko Liam Maya Nikhil Olu Priya
    Quentin Rosa Sami Tomás Uma Viktor Wen Xavier Yara Zoe Aiden Beatriz Chen Dara Emeka Fatima
    Gabriel Hana Ivan Jia Kofi Lucía Mateo Nadia Omar Paula Rahul Sofia Theo Valentina Yusuf
"""
FIRST_NAMES = _FIRST_NAMES.split()

_LAST_NAMES = """
    Adeyemi Bauer Costa Dubois Eriksen Fernandes Gupta Haddad Ito Jensen Kowalski Laurent Moreau
    Nakamura Okafor Petrov Quinn Rossi Schmidt Tanaka Ueda Vargas Weber Xu Yilmaz Zhang Alvarez
    Brown Cohen Diallo Evans Fischer Garcia Hoang Iyer Johansson Kim Lopez Mensah Novak
"""
LAST_NAMES = _LAST_NAMES.split()


@dataclass(frozen=True)
class Topic:
    name: str
    lines: tuple[str, ...]  # what people say about it in a chat
    questions: tuple[str, ...]  # what they ask in office hours


TOPICS = (
    Topic(
        "pandas indexing",
        (
            "loc selects rows by label and iloc selects them by position.",
            "Boolean indexing with a mask keeps only the rows where the condition is true.",
            "Slicing with loc includes the end label, slicing with iloc does not.",
            "Assigning through chained brackets changes a copy, use loc on the original frame.",
            "The index of a DataFrame does not have to be unique.",
            "reset_index turns the index back into an ordinary column.",
            "I keep mixing up loc and iloc when the index is made of integers.",
            "Selecting one column gives a Series, a list of columns gives a DataFrame.",
        ),
        (
            "Why does my loc assignment raise SettingWithCopyWarning?",
            "How do I select the rows of a DataFrame with a boolean mask on two columns?",
            "Why does iloc give a different row than loc for the same number?",
        ),
    ),
    Topic(
        "group-by and pivot tables",
        (
            "groupby splits the rows, applies the aggregation and combines the results.",
            "agg takes a dictionary that maps each column to its aggregation function.",
            "pivot_table is a groupby on two keys with one of them spread into columns.",
            "filter on a groupby keeps the whole groups that satisfy the condition.",
            "The lab wants the median salary per department, not the mean salary.",
            "size counts the rows of each group, count skips the missing values.",
            "as_index=False keeps the group keys as columns after the groupby.",
            "A groupby on two keys gives a MultiIndex, unstack moves the inner level to columns.",
        ),
        (
            "Why does my groupby return a Series instead of a DataFrame?",
            "How do I aggregate two columns with different functions in one groupby?",
            "What is the difference between pivot and pivot_table?",
        ),
    ),
    Topic(
        "visualization",
        (
            "A histogram shows the distribution of one numerical variable.",
            "A box plot compares the distributions of a variable across categories.",
            "Overplotting hides the density, so use transparency or a hexbin plot.",
            "The log scale makes the skewed income distribution readable.",
            "A kernel density estimate depends a lot on the bandwidth.",
            "Label the axes with their units, the graders check the plot labels.",
            "A scatter plot with a trend line shows the relationship between two variables.",
            "Bar charts are for categorical variables and histograms for numerical ones.",
        ),
        (
            "Which plot should I use to compare distributions across many categories?",
            "Why does my histogram look different with another number of bins?",
            "How do I put the log scale on only the x axis?",
        ),
    ),
    Topic(
        "SQL",
        (
            "HAVING filters the groups after the aggregation, WHERE filters the rows before it.",
            "A LEFT JOIN keeps every row of the left table even without a matching row.",
            "COUNT with DISTINCT counts the unique students per course.",
            "A subquery in the FROM clause needs an alias in SQLite.",
            "ORDER BY with LIMIT gives the top rows of the query.",
            "NULL never equals anything, the WHERE clause needs IS NULL.",
            "For outer joins the join condition belongs in ON, not in WHERE.",
            "CASE WHEN builds a new column from conditions inside the query.",
        ),
        (
            "Why does my LEFT JOIN drop rows when I add a WHERE clause?",
            "When do I use HAVING instead of WHERE?",
            "How do I count distinct values per group in SQL?",
        ),
    ),
    Topic(
        "linear regression",
        (
            "The least squares estimate minimizes the mean squared error of the residuals.",
            "The normal equation gives the optimal theta when the design matrix has full rank.",
            "The residual plot should show no pattern when the linear model fits.",
            "Adding a feature never increases the training error of least squares.",
            "Multicollinearity makes the coefficients unstable but not the predictions.",
            "One-hot encoding a category with k values needs k-1 columns with an intercept.",
            "R squared is the fraction of the variance that the model explains.",
            "Standardize the features before comparing the size of the coefficients.",
        ),
        (
            "Why is my design matrix not invertible in the normal equation?",
            "How do I read the residual plot for the housing model?",
            "Should I drop one of the one-hot encoded columns?",
        ),
    ),
    Topic(
        "gradient descent",
        (
            "Gradient descent moves theta against the gradient of the loss.",
            "A learning rate that is too large makes the loss diverge.",
            "Stochastic gradient descent uses one sample or a small batch for each update.",
            "The loss curve should go down every epoch when the learning rate is right.",
            "A convex loss means gradient descent finds the global minimum.",
            "Regularization adds a penalty on the size of theta to the loss.",
            "Ridge regression shrinks the coefficients and lasso sets some of them to zero.",
            "Cross-validation picks the regularization strength lambda.",
        ),
        (
            "Why does my loss go up after a few steps of gradient descent?",
            "How do I choose the learning rate for the homework?",
            "What is the difference between ridge and lasso in practice?",
        ),
    ),
)

SMALL_TALK = (
    "hi everyone!",
    "hey",
    "thanks!",
    "makes sense",
    "brb",
    "ok",
    "back",
    "can you share your screen?",
    "nice",
    "sounds good",
    "see you next time",
)

GOALS = (
    "Finish lab {week} part {part}",
    "Homework {week}, question {part}",
    "Review the lecture notes on {topic}",
    "Practice problems on {topic}",
    "Write a summary of {topic} for the exam sheet",
)

QUEUE_TOPICS = ("homework", "lab", "lecture", "setup")


def topic_of(week: int) -> Topic:
    """The topic of the course's week ``week`` (from 0), round and round."""
    return TOPICS[week % len(TOPICS)]
