public enum TensorPlaceholder {}
