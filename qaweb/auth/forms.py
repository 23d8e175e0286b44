from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from qaweb.auth.passwords import MIN_PASSWORD, password_problem
from qaweb.core.forms import (
    IdentifierField,
    MaxLength,
    PasswordField,
    Required,
    SubmitField,
)


class SignInForm(FlaskForm):
    email = IdentifierField(
        "Email address",
        validators=[Required("Enter your email address"), MaxLength(254, "Email address")],
    )
    password = PasswordField("Password", validators=[Required("Enter your password")])
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[Required("Enter your current password")]
    )
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD} characters. A few unrelated words work well.",
        validators=[Required("Enter a new password")],
    )
    confirm_password = PasswordField(
        "Confirm new password", validators=[Required("Enter the new password again")]
    )
    submit = SubmitField("Change password")

    def validate_new_password(self, field):
        problem = password_problem(field.data)
        if problem:
            raise ValidationError(problem)
        if field.data == self.current_password.data:
            raise ValidationError("New password must be different from your current password")

    def validate_confirm_password(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("Passwords do not match")


class ForgotPasswordForm(FlaskForm):
    email = IdentifierField(
        "Email address",
        validators=[Required("Enter your email address"), MaxLength(254, "Email address")],
    )
    submit = SubmitField("Send me a link")


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD} characters. A few unrelated words work well.",
        validators=[Required("Enter a new password")],
    )
    confirm_password = PasswordField(
        "Confirm new password", validators=[Required("Enter the new password again")]
    )
    submit = SubmitField("Set password")

    def validate_new_password(self, field):
        problem = password_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_confirm_password(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("Passwords do not match")
