package dev.recur.nd4j;

import dev.recur.backend.Backend;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.lang.reflect.Proxy;

/**
 * A stand-in for a device backend (such as cuda) whose tensors are not cpu tensors: memory on the Java heap,
 * reached only through {@link Backend#fromFloats} and {@link Backend#toFloatArray}, so the conversions must take
 * their host-staged path. Only the memory ops are implemented.
 */
final class StagedBackend {
    private StagedBackend() {
    }

    /** A heap tensor: the values, row-major. */
    static final class HeapTensor extends Tensor {
        final float[] data;
        private boolean closed;

        HeapTensor(Backend backend, DType dtype, float[] data, int[] shape) {
            super(backend, dtype, shape);
            this.data = data;
        }

        @Override
        public Tensor reshape(int... newShape) {
            return new HeapTensor(backend(), dtype(), data, checkedReshape(newShape));
        }

        @Override
        public Tensor slice(int start, int end) {
            throw new UnsupportedOperationException("slice");
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    static Backend create() {
        Backend[] self = new Backend[1];
        self[0] = (Backend) Proxy.newProxyInstance(StagedBackend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> "staged";
                    case "describe" -> "staged: a heap-memory stand-in for a device backend";
                    case "zeros" -> {
                        DType type = (DType) args[0];
                        int[] shape = (int[]) args[1];
                        yield new HeapTensor(self[0], type, new float[(int) dev.recur.tensor.Shapes.numel(shape)],
                                shape);
                    }
                    case "fromFloats" -> new HeapTensor(self[0], DType.F32, ((float[]) args[0]).clone(),
                            (int[]) args[1]);
                    case "toFloatArray" -> ((HeapTensor) args[0]).data.clone();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "StagedBackend";
                    default -> throw new UnsupportedOperationException("staged: " + method.getName());
                });
        return self[0];
    }
}
