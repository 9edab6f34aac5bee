"""
Provides the bodies of the partner endpoints.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from accounts.account_numbers import ACCOUNT_NUMBER_PATTERN
from bankapi.serializers import StrictSerializer
from partners.matching import NameMatch

# Room for a first, middle and last name as a payer may type them, with spaces to spare.
PAYEE_NAME_MAX_LENGTH = 300


@extend_schema_serializer(
    description=(
        "The account a payer is about to pay and the name the payer gave for its holder. The name is "
        "compared ignoring case, accents, punctuation (`-`, `.`, `'`) and extra spaces."
    ),
    examples=[
        OpenApiExample(
            "A payee's details", value={"account_number": "400012345678", "name": "Ada Lovelace"}, request_only=True
        ),
    ],
)
class AccountVerificationSerializer(StrictSerializer):
    account_number = serializers.RegexField(
        ACCOUNT_NUMBER_PATTERN, trim_whitespace=False, help_text="The payee's 12-digit account number."
    )
    name = serializers.CharField(
        max_length=PAYEE_NAME_MAX_LENGTH,
        trim_whitespace=False,
        help_text="The payee's name as the payer typed it.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample("The name is the holder's", value={"result": "match"}, response_only=True),
        OpenApiExample("A middle name left out", value={"result": "close_match"}, response_only=True),
        OpenApiExample("Another name, or no open customer account", value={"result": "no_match"}, response_only=True),
    ],
)
class AccountVerificationResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=[choice.value for choice in NameMatch],
        help_text=(
            "`match`: the same name once case, accents, punctuation and spacing are set aside. "
            "`close_match`: the same first and last name, with the middle names left out on one side or "
            "given as initials. `no_match`: another name, or no open customer account with that number "
            "(unknown and closed accounts are not told apart)."
        ),
    )
