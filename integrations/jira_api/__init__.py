"""Jira REST over the `jira` library: `JiraGateway`, its errors and the objects it returns.

(Named `jira_api` because `integrations/jira/` holds the Jira webhook formatters.)
"""

from integrations.jira_api.client import JiraConfig, JiraGateway
from integrations.jira_api.errors import (
    JiraError,
    JiraNotConfigured,
    JiraNotFound,
    JiraRejected,
    JiraUnavailable,
)
from integrations.jira_api.issue_actions import (
    ADD_COMMENTS,
    ASSIGN_ISSUES,
    TRANSITION_ISSUES,
    Transition,
)
from integrations.jira_api.models import (
    AllowedValue,
    CreatedIssue,
    ExistingComment,
    FieldInfo,
    IssueTypeInfo,
    JiraUser,
    ProjectRef,
    RichText,
)

__all__ = [
    "ADD_COMMENTS",
    "ASSIGN_ISSUES",
    "TRANSITION_ISSUES",
    "AllowedValue",
    "CreatedIssue",
    "ExistingComment",
    "FieldInfo",
    "IssueTypeInfo",
    "JiraConfig",
    "JiraError",
    "JiraGateway",
    "JiraNotConfigured",
    "JiraNotFound",
    "JiraRejected",
    "JiraUnavailable",
    "JiraUser",
    "ProjectRef",
    "RichText",
    "Transition",
]
