public enum OrionToolPlaceholder {}
