"""Customer service: request metrics, volume forecasts and contact-centre staffing."""
